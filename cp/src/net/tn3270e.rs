//! TN3270E (RFC 2355) as the server side needs it: the TN3270E subnegotiation (DEVICE-TYPE
//! SEND, REQUEST and IS or REJECT; FUNCTIONS REQUEST and IS) and the 5-byte header on each
//! 3270 record. vm390 asks for TN3270E first (`DO TN3270E`); a client that refuses gets
//! plain TN3270 (RFC 1576) or line mode. No function is taken on (BIND-IMAGE, RESPONSES,
//! SYSREQ, SCS-CTL-CODES, DATA-STREAM-CTL): the CP's console is a 3270 display that sends
//! and takes 3270-DATA only (RFC 2355, 7.1: "none required").

/// The TN3270E telnet option (RFC 2355, 4).
pub const OPT_TN3270E: u8 = 40;

/// TN3270E subnegotiation codes (RFC 2355, 13).
pub const ASSOCIATE: u8 = 0;
pub const CONNECT: u8 = 1;
pub const DEVICE_TYPE: u8 = 2;
pub const FUNCTIONS: u8 = 3;
pub const IS: u8 = 4;
pub const REASON: u8 = 5;
pub const REJECT: u8 = 6;
pub const REQUEST: u8 = 7;
pub const SEND: u8 = 8;

/// REJECT reason codes (RFC 2355, 13).
pub const INV_NAME: u8 = 3;
pub const INV_DEVICE_TYPE: u8 = 4;
pub const UNSUPPORTED_REQ: u8 = 7;

/// What the server says next in the TN3270E negotiation, and where it stands.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Send these subnegotiation bytes (between IAC SB TN3270E and IAC SE); the device
    /// type, when this accepts one.
    Say(Vec<u8>, Option<String>),
    /// The functions are agreed (none): TN3270E is in effect; send these bytes first
    /// (empty: nothing).
    Done(Vec<u8>),
    /// Nothing to answer.
    Nothing,
}

/// The server's answer to one TN3270E subnegotiation from the client (`data`: after the
/// option byte). `accept`: whether a device type names a terminal this side serves;
/// `name`: the device name given in DEVICE-TYPE IS ... CONNECT.
pub fn answer(data: &[u8], accept: impl Fn(&str) -> bool, name: &str) -> Step {
    match data {
        [DEVICE_TYPE, REQUEST, rest @ ..] => {
            // The type runs to CONNECT or ASSOCIATE, if either follows.
            let end = rest
                .iter()
                .position(|&b| b == CONNECT || b == ASSOCIATE)
                .unwrap_or(rest.len());
            let ttype = String::from_utf8_lossy(&rest[..end]).to_string();
            if rest.get(end) == Some(&ASSOCIATE) {
                // Printer association: no printers here.
                return Step::Say(vec![DEVICE_TYPE, REJECT, REASON, UNSUPPORTED_REQ], None);
            }
            if rest.get(end) == Some(&CONNECT) {
                // A resource (LU) name: this side names its terminals itself.
                return Step::Say(vec![DEVICE_TYPE, REJECT, REASON, INV_NAME], None);
            }
            if !accept(&ttype) {
                return Step::Say(vec![DEVICE_TYPE, REJECT, REASON, INV_DEVICE_TYPE], None);
            }
            let mut say = vec![DEVICE_TYPE, IS];
            say.extend(ttype.bytes());
            say.push(CONNECT);
            say.extend(name.bytes());
            Step::Say(say, Some(ttype))
        }
        // The client's wish: agreed when it is none; otherwise this side asks for none.
        [FUNCTIONS, REQUEST] => Step::Done(vec![FUNCTIONS, IS]),
        [FUNCTIONS, REQUEST, ..] => Step::Say(vec![FUNCTIONS, REQUEST], None),
        // The client takes this side's request (none).
        [FUNCTIONS, IS, ..] => Step::Done(Vec::new()),
        _ => Step::Nothing,
    }
}

/// The header of an outbound 3270-DATA record: DATA-TYPE 3270-DATA, REQUEST-FLAG 0,
/// RESPONSE-FLAG NO-RESPONSE, SEQ-NUMBER 0 (RFC 2355, 8.1; sequence numbers matter only
/// with the RESPONSES function, not taken on here).
pub const DATA_HEADER: [u8; 5] = [0, 0, 0, 0, 0];

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(t: &str) -> bool {
        t.starts_with("IBM-3278")
    }

    #[test]
    fn device_type_is_accepted_rejected_and_functions_agreed() {
        let mut req = vec![DEVICE_TYPE, REQUEST];
        req.extend(b"IBM-3278-2-E");
        let mut is = vec![DEVICE_TYPE, IS];
        is.extend(b"IBM-3278-2-E");
        is.push(CONNECT);
        is.extend(b"L001");
        assert_eq!(
            answer(&req, ok, "L001"),
            Step::Say(is, Some("IBM-3278-2-E".into()))
        );
        let mut bad = vec![DEVICE_TYPE, REQUEST];
        bad.extend(b"IBM-3287-1");
        assert_eq!(
            answer(&bad, ok, "L001"),
            Step::Say(vec![DEVICE_TYPE, REJECT, REASON, INV_DEVICE_TYPE], None)
        );
        req.push(CONNECT);
        req.extend(b"LU1");
        assert_eq!(
            answer(&req, ok, "L001"),
            Step::Say(vec![DEVICE_TYPE, REJECT, REASON, INV_NAME], None)
        );
        // s3270 asks for BIND-IMAGE, RESPONSES, SYSREQ: this side asks for none.
        assert_eq!(
            answer(&[FUNCTIONS, REQUEST, 0, 2, 4], ok, "L001"),
            Step::Say(vec![FUNCTIONS, REQUEST], None)
        );
        assert_eq!(answer(&[FUNCTIONS, IS], ok, "L001"), Step::Done(Vec::new()));
        assert_eq!(
            answer(&[FUNCTIONS, REQUEST], ok, "L001"),
            Step::Done(vec![FUNCTIONS, IS])
        );
        assert_eq!(answer(&[9, 9], ok, "L001"), Step::Nothing);
    }
}
