/* workload.c - a compiled benchmark for vm390 and Hercules (freestanding, no libc).
 *
 * main() runs ROUNDS rounds of five kernels and returns a checksum of everything they
 * computed; start.S stores it at 0x310. Each kernel also checks itself against a known
 * answer; failures are OR-ed into the word at 0x314 (0 = all correct), so a wrong result
 * shows even without a reference run:
 *   bit 0  sieve of Eratosthenes: 6542 primes below 65536
 *   bit 1  CRC-32 of "123456789" = 0xCBF43926
 *   bit 2  quicksort: the array is in order afterwards and its sum is unchanged
 *   bit 3  string copy/compare: lengths and comparison signs as expected
 *   bit 4  packed decimal: CVD/AP sums equal the binary sums (CVB), SP/AP cancel to zero
 */

typedef unsigned int u32;
typedef int s32;
typedef unsigned char u8;

#define ROUNDS 150

/* result words in low storage, addresses from workload.ld */
extern volatile u32 result_fail;   /* 0x314 */
extern volatile u32 result_rounds; /* 0x318 */

/* GCC may emit calls to these for block moves even when freestanding. */
void *memcpy(void *d, const void *s, unsigned long n);
void *memset(void *d, int c, unsigned long n);
void *memmove(void *d, const void *s, unsigned long n);
int memcmp(const void *a, const void *b, unsigned long n);

void *memcpy(void *d, const void *s, unsigned long n)
{
    u8 *dp = d;
    const u8 *sp = s;
    while (n--)
        *dp++ = *sp++;
    return d;
}

void *memset(void *d, int c, unsigned long n)
{
    u8 *dp = d;
    while (n--)
        *dp++ = (u8)c;
    return d;
}

void *memmove(void *d, const void *s, unsigned long n)
{
    u8 *dp = d;
    const u8 *sp = s;
    if (dp < sp) {
        while (n--)
            *dp++ = *sp++;
    } else {
        dp += n;
        sp += n;
        while (n--)
            *--dp = *--sp;
    }
    return d;
}

int memcmp(const void *a, const void *b, unsigned long n)
{
    const u8 *ap = a, *bp = b;
    for (; n; n--, ap++, bp++)
        if (*ap != *bp)
            return *ap < *bp ? -1 : 1;
    return 0;
}

static u32 fail;
static u32 seed = 12345;

static u32 rnd(void)
{
    seed = seed * 1103515245u + 12345u;
    return seed >> 1;
}

static u32 mix(u32 h, u32 v)
{
    h ^= v;
    h = (h << 5) | (h >> 27);
    return h * 0x9E3779B1u;
}

/* ---- sieve of Eratosthenes ---- */
#define SIEVE_N 65536
static u8 composite[SIEVE_N];

static u32 sieve(void)
{
    u32 i, j, count = 0, sum = 0;
    for (i = 0; i < SIEVE_N; i++)
        composite[i] = 0;
    for (i = 2; i * i < SIEVE_N; i++)
        if (!composite[i])
            for (j = i * i; j < SIEVE_N; j += i)
                composite[j] = 1;
    for (i = 2; i < SIEVE_N; i++)
        if (!composite[i]) {
            count++;
            sum += i;
        }
    if (count != 6542)
        fail |= 1;
    return mix(count, sum);
}

/* ---- CRC-32 (IEEE, reflected, table driven) ---- */
static u32 crc_table[256];

static void crc_init(void)
{
    u32 i, k, c;
    for (i = 0; i < 256; i++) {
        c = i;
        for (k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static u32 crc32(const u8 *p, u32 n)
{
    u32 c = 0xFFFFFFFFu;
    while (n--)
        c = crc_table[(c ^ *p++) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

#define CRC_N 32768
static u8 crc_buf[CRC_N];

static u32 crc_kernel(u32 round)
{
    static const u8 check[] = "123456789";
    u32 i, c;
    if (crc32(check, 9) != 0xCBF43926u)
        fail |= 2;
    for (i = 0; i < CRC_N; i++)
        crc_buf[i] = (u8)(rnd() >> 7);
    c = crc32(crc_buf, CRC_N);
    return mix(c, round);
}

/* ---- quicksort ---- */
#define SORT_N 8192
static u32 arr[SORT_N];

static void quicksort(u32 *a, s32 lo, s32 hi)
{
    while (lo < hi) {
        u32 pivot = a[lo + (hi - lo) / 2];
        s32 i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                u32 t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        }
        /* recurse into the smaller part, loop on the larger */
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
}

static u32 sort_kernel(void)
{
    u32 i, sum = 0, after = 0, h = 0;
    for (i = 0; i < SORT_N; i++) {
        arr[i] = rnd() % 1000000u;
        sum += arr[i];
    }
    quicksort(arr, 0, SORT_N - 1);
    for (i = 0; i < SORT_N; i++) {
        if (i > 0 && arr[i - 1] > arr[i])
            fail |= 4;
        after += arr[i];
        h = mix(h, arr[i]);
    }
    if (after != sum)
        fail |= 4;
    return h;
}

/* ---- string copying and comparison ---- */
static u32 my_strlen(const char *s)
{
    const char *p = s;
    while (*p)
        p++;
    return (u32)(p - s);
}

static char *my_strcpy(char *d, const char *s)
{
    char *r = d;
    while ((*d++ = *s++) != 0)
        ;
    return r;
}

static char *my_strcat(char *d, const char *s)
{
    my_strcpy(d + my_strlen(d), s);
    return d;
}

static s32 my_strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (s32)(u8)*a - (s32)(u8)*b;
}

static const char *const words[] = {
    "CONVERSATIONAL", "MONITOR", "SYSTEM", "VIRTUAL", "MACHINE", "CONTROL",
    "PROGRAM", "DIAGNOSE", "SPOOL", "READER", "PUNCH", "PRINTER",
    "MINIDISK", "CYLINDER", "EXTENT", "FILEMODE",
};
#define NWORDS (sizeof(words) / sizeof(words[0]))

static char sbuf[4096];
static char sbuf2[4096];

static u32 string_kernel(u32 round)
{
    u32 i, k, len, h = round;
    s32 c;
    for (k = 0; k < 8; k++) {
        sbuf[0] = 0;
        for (i = 0; i < 160; i++) {
            my_strcat(sbuf + (i / 40) * 1000, words[(i + k + round) % NWORDS]);
            if (i % 40 == 39)
                sbuf[((i + 1) / 40) * 1000] = 0;
        }
        for (i = 0; i < 4; i++) {
            len = my_strlen(sbuf + i * 1000);
            h = mix(h, len);
            my_strcpy(sbuf2 + i * 1000, sbuf + i * 1000);
            if (my_strcmp(sbuf2 + i * 1000, sbuf + i * 1000) != 0)
                fail |= 8;
            if (my_strlen(sbuf2 + i * 1000) != len)
                fail |= 8;
            /* change one character: the comparison must see it */
            sbuf2[i * 1000 + len / 2]++;
            c = my_strcmp(sbuf2 + i * 1000, sbuf + i * 1000);
            if (c <= 0)
                fail |= 8;
            h = mix(h, (u32)c);
            c = memcmp(sbuf + i * 1000, sbuf2 + i * 1000, len);
            if (c >= 0)
                fail |= 8;
        }
        for (i = 0; i < NWORDS; i++)
            h = mix(h, (u32)my_strcmp(words[i], words[(i + k) % NWORDS]));
    }
    return h;
}

/* ---- packed decimal through CVD / AP / SP / ZAP / CP / CVB ---- */
static void cvd(s32 v, u8 *p8)
{
    __asm__ volatile("cvd %1,0(%0)" : : "a"(p8), "d"(v) : "memory");
}

static s32 cvb(const u8 *p8)
{
    s32 v;
    __asm__ volatile("cvb %0,0(%1)" : "=d"(v) : "a"(p8) : "memory");
    return v;
}

static void ap16_8(u8 *acc16, const u8 *p8)
{
    __asm__ volatile("ap 0(16,%0),0(8,%1)" : : "a"(acc16), "a"(p8) : "memory", "cc");
}

static void sp16_8(u8 *acc16, const u8 *p8)
{
    __asm__ volatile("sp 0(16,%0),0(8,%1)" : : "a"(acc16), "a"(p8) : "memory", "cc");
}

static void ap16_16(u8 *acc16, const u8 *p16)
{
    __asm__ volatile("ap 0(16,%0),0(16,%1)" : : "a"(acc16), "a"(p16) : "memory", "cc");
}

static void zap16_1(u8 *d16, const u8 *p1)
{
    __asm__ volatile("zap 0(16,%0),0(1,%1)" : : "a"(d16), "a"(p1) : "memory", "cc");
}

static void zap8_16(u8 *d8, const u8 *p16)
{
    __asm__ volatile("zap 0(8,%0),0(16,%1)" : : "a"(d8), "a"(p16) : "memory", "cc");
}

/* condition code of CP op1(16),op2(1): 0 equal, 1 low, 2 high */
static u32 cp16_1(const u8 *a16, const u8 *b1)
{
    u32 cc;
    __asm__ volatile("cp 0(16,%1),0(1,%2)\n\tipm %0\n\tsrl %0,28"
                     : "=d"(cc)
                     : "a"(a16), "a"(b1)
                     : "memory", "cc");
    return cc;
}

#define DEC_N 1500

static u32 decimal_kernel(void)
{
    static const u8 zero[1] = {0x0C};
    u8 acc[16], neg[16], p[8], d8[8];
    u32 i, v, h = 0;
    s32 bsum = 0, back;
    zap16_1(acc, zero);
    zap16_1(neg, zero);
    for (i = 0; i < DEC_N; i++) {
        v = rnd() % 1000000u;
        if (i & 1)
            v = -v; /* negative values too */
        bsum += (s32)v;
        cvd((s32)v, p);
        ap16_8(acc, p);
        sp16_8(neg, p);
    }
    /* acc = bsum, neg = -bsum: their sum is zero */
    zap8_16(d8, acc);
    back = cvb(d8);
    if (back != bsum)
        fail |= 16;
    for (i = 0; i < 16; i++)
        h = mix(h, acc[i]);
    ap16_16(neg, acc);
    if (cp16_1(neg, zero) != 0)
        fail |= 16;
    return mix(h, (u32)back);
}

u32 main(void)
{
    u32 round, h = 0;
    crc_init();
    for (round = 0; round < ROUNDS; round++) {
        h = mix(h, sieve());
        h = mix(h, crc_kernel(round));
        h = mix(h, sort_kernel());
        h = mix(h, string_kernel(round));
        h = mix(h, decimal_kernel());
    }
    result_fail = fail;
    result_rounds = ROUNDS;
    return h;
}
