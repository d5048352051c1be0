/*
 * stress <module.so> <token-label> <user-pin> [--threads N] [--seconds S] [--warmup S] [--rss-limit-mib M]
 *        [--stall S] [--seed N]
 *
 * Many threads of one process on one token for a while (issue 5, stress). C_Initialize with CKF_OS_LOCKING_OK,
 * one R/W session logs in as user and stays open throughout (so the login outlives every thread's sessions),
 * and generates the shared keys once: an RSA-2048 pair and an AES-256 key as token objects (in the SQLite store),
 * an EC P-256 pair as session objects. Then --threads threads (16) run for --seconds (15) a random mix of:
 *   session   C_OpenSession (R/W or R/O) + C_GetSessionInfo (the token's login shows: CKS_R?_USER_FUNCTIONS),
 *             a session object made and read there, a digest there, from an R/O session a token object is
 *             refused (CKR_SESSION_READ_ONLY), C_CloseSession; then that object is CKR_OBJECT_HANDLE_INVALID and
 *             the closed handle CKR_SESSION_HANDLE_INVALID. One time in eight the thread's own long-lived
 *             session is replaced instead, and the session objects it held must be gone with it.
 *   rsa       CKM_SHA256_RSA_PKCS: C_Sign (size query first), C_Verify accepts, a flipped bit is refused with
 *             CKR_SIGNATURE_INVALID.
 *   ecdsa     CKM_ECDSA_SHA256 the same way, one-shot or C_SignUpdate/C_SignFinal in turns.
 *   gcm       CKM_AES_GCM (CK_GCM_PARAMS, random IV, AAD, 0..512 bytes): C_Decrypt gives the plaintext back,
 *             a flipped ciphertext bit gives CKR_ENCRYPTED_DATA_INVALID.
 *   cbc       CKM_AES_CBC_PAD (random IV, 0..300 bytes): C_Decrypt gives the plaintext back.
 *   digest    CKM_SHA256: C_Digest and C_DigestUpdate (random chunks)/C_DigestFinal agree; now and then the
 *             "abc" known answer.
 *   find      by the label of one of its own objects (exactly that handle), by the label of a shared key,
 *             by a label nobody uses (none), and all its own objects (data objects by CKA_APPLICATION
 *             "st<thread>", keys by CKA_ID "st<thread>"): exactly the set it created and still owns.
 *   create    C_CreateObject of a data object (token, public or private, or session) + C_GetAttributeValue:
 *             every attribute as written.
 *   destroy   (when a thread owns more than TARGET_OWNED objects) C_DestroyObject of one of its own; then
 *             C_GetAttributeValue and a second C_DestroyObject on that handle give CKR_OBJECT_HANDLE_INVALID.
 *   genkey    C_GenerateKey of an AES session key (CKA_ID "st<thread>"), a GCM round trip with it, its
 *             CKA_VALUE is CKR_ATTRIBUTE_SENSITIVE.
 *   setlabel  C_SetAttributeValue(CKA_LABEL) on one of its own objects, read back.
 * Every result is checked: the CKR (CKR_OK except for the cases named above) and the output. A failed check
 * counts as an error (the first MAX_REPORTED are printed with the thread, op, call and CKR name); the thread
 * then replaces its long-lived session so that one error does not cascade.
 *
 * Watchdog (the main thread): a thread that made no progress (finished no op) for --stall seconds (30) is a
 * deadlock: it prints what every thread is doing (op, PKCS#11 call, seconds since its last progress) and exits 3.
 * Memory: RSS (VmRSS) is sampled every second; "flat" means RSS at the end of the run minus RSS after the
 * warm-up (--warmup, default half the run, at most 20 s) is at most --rss-limit-mib (default 4 MiB; the
 * measurements behind it are in tests/scripts/stress.sh). Peak is VmHWM.
 * At the end each thread destroys what it owns and closes its session; then only the five shared key objects
 * may be left, and C_Logout, C_CloseSession and C_Finalize must succeed.
 *
 * Exit codes: 0 all good; 2 set-up (usage, load); 3 deadlock (a thread stalled, or C_Finalize hung);
 * 4 a set-up or tear-down PKCS#11 call failed; 5 errors during the run; 6 RSS not flat.
 */
#include "p11util.h" /* first: it defines _GNU_SOURCE */
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 256
#define MAX_REPORTED 20
#define MAX_OWNED 16  /* objects a thread can track */
#define TARGET_OWNED 6 /* above this many, create and genkey destroy one */
#define MAX_SAMPLES 4096

enum kind { K_SESSION, K_RSA, K_ECDSA, K_GCM, K_CBC, K_DIGEST, K_FIND, K_CREATE, K_DESTROY, K_GENKEY, K_SETLABEL, KINDS };
static const char *const kind_name[KINDS] = { "session", "rsa", "ecdsa", "gcm", "cbc", "digest", "find", "create", "destroy",
                                             "genkey", "setlabel" };
static const char *const kind_what[KINDS] = {
    "open + info + object + digest + close session",
    "RSA-2048 sign + verify + verify flipped",
    "P-256 ECDSA sign + verify + verify flipped",
    "AES-256-GCM encrypt + decrypt (+ flipped)",
    "AES-256-CBC-PAD encrypt + decrypt",
    "SHA-256 one-shot + multi-part",
    "find by label, own set (4-5 finds)",
    "create data object + read back",
    "destroy own object + check gone",
    "generate AES session key + GCM",
    "set CKA_LABEL + read back",
};
/* Weights of the random mix (destroy is not drawn: create and genkey destroy when a thread owns too much). */
static const unsigned weight[KINDS] = { 8, 8, 10, 12, 12, 12, 10, 12, 0, 8, 8 };

static CK_FUNCTION_LIST_PTR p11;
static CK_SLOT_ID slot;
static CK_OBJECT_HANDLE rsa_pub, rsa_priv, ec_pub, ec_priv, aes_key;
static CK_OBJECT_CLASS secret_class = CKO_SECRET_KEY, public_class = CKO_PUBLIC_KEY, private_class = CKO_PRIVATE_KEY;
static CK_KEY_TYPE aes_type = CKK_AES;

static volatile int stop;          /* set by the main thread when the time is up */
static long errors;                 /* atomic */
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* ---- threads and what they own ---- */

struct owned {
    CK_OBJECT_HANDLE h;
    int key;      /* 1: a generated AES session key (CKA_ID), 0: a data object (CKA_APPLICATION) */
    int token;    /* 0: a session object of the thread's long-lived session */
    CK_BBOOL priv;
    char label[48];
    unsigned char value[64];
    CK_ULONG value_len; /* data objects: CKA_VALUE; keys: CKA_VALUE_LEN */
};

struct worker {
    int index;
    pthread_t thread;
    unsigned long long rng;
    CK_SESSION_HANDLE session; /* long-lived: shared-key operations and owned session objects */
    char tag[16];              /* "st<index>": CKA_APPLICATION of its data objects, CKA_ID of its keys */
    struct owned objs[MAX_OWNED];
    int nobjs;
    long serial;               /* for unique labels */
    long ops[KINDS];
    long long busy_ns[KINDS];
    long long nested_ns;       /* time of a destroy inside another op, not counted twice */
    const char *op;            /* atomic: the op being run, for the watchdog */
    const char *call;          /* atomic: the PKCS#11 call being made, "-" between calls */
    long long last_progress;   /* atomic: now_ns() when it last finished an op */
    int done;                  /* atomic */
    char ctx[96];              /* what the op is working on, for error reports */
};

static struct worker *workers;
static int nthreads;

static unsigned long long rnd64(struct worker *w)
{
    unsigned long long x = w->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    w->rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}
static unsigned rnd(struct worker *w, unsigned n) { return (unsigned)((rnd64(w) >> 11) % n); }
static void fill(struct worker *w, unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(rnd64(w) >> 24);
}

static void set_call(struct worker *w, const char *call) { __atomic_store_n(&w->call, call, __ATOMIC_RELAXED); }

/* A check failed: count it, print the first MAX_REPORTED. Returns 0, so that "return error(...)" ends the op. */
static int error(struct worker *w, const char *fmt, ...)
{
    long n = __atomic_add_fetch(&errors, 1, __ATOMIC_RELAXED);
    if (n > MAX_REPORTED)
        return 0;
    pthread_mutex_lock(&report_lock);
    fprintf(stderr, "thread %d: ERROR in %s [%s]: ", w->index, w->op, w->ctx);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (n == MAX_REPORTED)
        fprintf(stderr, "(further errors are counted, not printed)\n");
    pthread_mutex_unlock(&report_lock);
    return 0;
}

static int expect_rv(struct worker *w, CK_RV rv, CK_RV want, const char *call)
{
    set_call(w, "-");
    if (rv == want)
        return 1;
    return error(w, "%s returned %s (0x%lx), expected %s", call, rv_name(rv), (unsigned long)rv, rv_name(want));
}

/* CALL: makes a PKCS#11 call with the watchdog told which. EXPECT/OK: and checks its CKR (0 if wrong, reported). */
#define CALL(w, fn, ...) (set_call((w), #fn), p11->fn(__VA_ARGS__))
#define EXPECT(w, want, fn, ...) expect_rv((w), CALL(w, fn, __VA_ARGS__), (want), #fn)
#define OK(w, fn, ...) EXPECT(w, CKR_OK, fn, __VA_ARGS__)
#define COUNT(a) (sizeof (a) / sizeof (a)[0])

/* ---- helpers ---- */

/* Every handle one find operation gives, fetched in random chunks of 1..4; 0 on a failed call or overflow. */
static int find_all(struct worker *w, CK_SESSION_HANDLE s, CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_HANDLE *out, CK_ULONG cap,
                    CK_ULONG *count)
{
    *count = 0;
    if (!OK(w, C_FindObjectsInit, s, t, n))
        return 0;
    CK_ULONG got = 0;
    CK_OBJECT_HANDLE chunk[4];
    int good = 1;
    do {
        CK_ULONG want = 1 + rnd(w, 4);
        if (!OK(w, C_FindObjects, s, chunk, want, &got)) {
            good = 0;
            break;
        }
        if (got > want) {
            good = error(w, "C_FindObjects returned %lu handles for a maximum of %lu", (unsigned long)got, (unsigned long)want);
            break;
        }
        for (CK_ULONG i = 0; i < got; i++) {
            if (*count == cap) {
                good = error(w, "find returned more than %lu handles", (unsigned long)cap);
                break;
            }
            out[(*count)++] = chunk[i];
        }
    } while (got > 0 && good);
    if (!OK(w, C_FindObjectsFinal, s))
        return 0;
    return good;
}

static void label_new(struct worker *w, char *out, size_t size, const char *what)
{
    snprintf(out, size, "st%d-%s%ld", w->index, what, w->serial++);
}

static int gone(struct worker *w, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h)
{
    char label[48];
    CK_ATTRIBUTE t = { CKA_LABEL, label, sizeof label };
    return EXPECT(w, CKR_OBJECT_HANDLE_INVALID, C_GetAttributeValue, s, h, &t, 1);
}

static void forget(struct worker *w, int i)
{
    w->objs[i] = w->objs[--w->nobjs];
}

/* A data object as written: class, token, private, label, application, value. */
static int read_back_data(struct worker *w, CK_SESSION_HANDLE s, const struct owned *o)
{
    CK_OBJECT_CLASS cls = 0;
    CK_BBOOL token = 2, priv = 2;
    char label[64], app[32];
    unsigned char value[128];
    CK_ATTRIBUTE t[] = {
        { CKA_CLASS, &cls, sizeof cls },       { CKA_TOKEN, &token, sizeof token },
        { CKA_PRIVATE, &priv, sizeof priv },   { CKA_LABEL, label, sizeof label },
        { CKA_APPLICATION, app, sizeof app },  { CKA_VALUE, value, sizeof value },
    };
    if (!OK(w, C_GetAttributeValue, s, o->h, t, COUNT(t)))
        return 0;
    if (cls != CKO_DATA || token != (o->token ? CK_TRUE : CK_FALSE) || priv != o->priv)
        return error(w, "handle %lu: class %lu, token %d, private %d; wrote class %lu, token %d, private %d", (unsigned long)o->h,
                     (unsigned long)cls, token, priv, (unsigned long)CKO_DATA, o->token, o->priv);
    if (t[3].ulValueLen != strlen(o->label) || memcmp(label, o->label, t[3].ulValueLen) != 0)
        return error(w, "handle %lu: CKA_LABEL is '%.*s', wrote '%s'", (unsigned long)o->h, (int)(t[3].ulValueLen < 64 ? t[3].ulValueLen : 0),
                     label, o->label);
    if (t[4].ulValueLen != strlen(w->tag) || memcmp(app, w->tag, t[4].ulValueLen) != 0)
        return error(w, "handle %lu: CKA_APPLICATION differs from what was written", (unsigned long)o->h);
    if (t[5].ulValueLen != o->value_len || memcmp(value, o->value, o->value_len) != 0)
        return error(w, "handle %lu: CKA_VALUE differs from what was written (%lu bytes read, %lu written)", (unsigned long)o->h,
                     (unsigned long)t[5].ulValueLen, (unsigned long)o->value_len);
    return 1;
}

/* A session data object in session s (not tracked); *h = its handle. */
static int create_session_data(struct worker *w, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *h, const char *label)
{
    CK_ATTRIBUTE t[] = {
        { CKA_CLASS, &data_class, sizeof data_class }, { CKA_TOKEN, &ck_false, sizeof ck_false },
        { CKA_PRIVATE, &ck_true, sizeof ck_true },     { CKA_LABEL, (void *)label, strlen(label) },
        { CKA_VALUE, (void *)label, strlen(label) },
    };
    return OK(w, C_CreateObject, s, t, COUNT(t), h);
}

/* ---- the ops: each returns 1 if every check passed ---- */

static int digest_round(struct worker *w, CK_SESSION_HANDLE s)
{
    static const unsigned char abc_sha256[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
    };
    CK_MECHANISM m = { CKM_SHA256, NULL, 0 };
    unsigned char data[2048], one[64], multi[64];
    CK_ULONG len = rnd(w, sizeof data + 1), one_len = sizeof one, multi_len = sizeof multi;
    int kat = rnd(w, 16) == 0;
    if (kat) {
        len = 3;
        memcpy(data, "abc", 3);
    } else {
        fill(w, data, len);
    }
    snprintf(w->ctx, sizeof w->ctx, "%lu bytes%s", (unsigned long)len, kat ? " (abc)" : "");
    if (!OK(w, C_DigestInit, s, &m) || !OK(w, C_Digest, s, data, len, one, &one_len))
        return 0;
    if (!OK(w, C_DigestInit, s, &m))
        return 0;
    for (CK_ULONG at = 0; at < len;) {
        CK_ULONG part = 1 + rnd(w, 700);
        if (part > len - at)
            part = len - at;
        if (!OK(w, C_DigestUpdate, s, data + at, part))
            return 0;
        at += part;
    }
    if (!OK(w, C_DigestFinal, s, multi, &multi_len))
        return 0;
    if (one_len != 32 || multi_len != 32 || memcmp(one, multi, 32) != 0)
        return error(w, "C_Digest and C_DigestUpdate/C_DigestFinal differ (%lu and %lu bytes)", (unsigned long)one_len,
                     (unsigned long)multi_len);
    if (kat && memcmp(one, abc_sha256, 32) != 0)
        return error(w, "SHA-256(\"abc\") is not the known answer");
    return 1;
}

static int op_digest(struct worker *w) { return digest_round(w, w->session); }

static int sign_verify(struct worker *w, CK_MECHANISM_TYPE mech, CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pub, CK_ULONG sig_size)
{
    CK_MECHANISM m = { mech, NULL, 0 };
    unsigned char data[256], sig[512];
    CK_ULONG len = rnd(w, sizeof data + 1), sig_len = 0;
    fill(w, data, len);
    int multi = mech == CKM_ECDSA_SHA256 && rnd(w, 2);
    snprintf(w->ctx, sizeof w->ctx, "%lu bytes%s", (unsigned long)len, multi ? ", multi-part" : "");
    if (!OK(w, C_SignInit, w->session, &m, priv))
        return 0;
    if (multi) {
        CK_ULONG half = len / 2;
        if (!OK(w, C_SignUpdate, w->session, data, half) || !OK(w, C_SignUpdate, w->session, data + half, len - half))
            return 0;
        sig_len = sizeof sig;
        if (!OK(w, C_SignFinal, w->session, sig, &sig_len))
            return 0;
    } else {
        /* Size query first: it must not end the operation. */
        if (!OK(w, C_Sign, w->session, data, len, NULL, &sig_len))
            return 0;
        if (sig_len != sig_size)
            return error(w, "C_Sign(NULL) says %lu bytes, expected %lu", (unsigned long)sig_len, (unsigned long)sig_size);
        if (!OK(w, C_Sign, w->session, data, len, sig, &sig_len))
            return 0;
    }
    if (sig_len != sig_size)
        return error(w, "signature of %lu bytes, expected %lu", (unsigned long)sig_len, (unsigned long)sig_size);
    if (!OK(w, C_VerifyInit, w->session, &m, pub) || !OK(w, C_Verify, w->session, data, len, sig, sig_len))
        return 0;
    unsigned bit = rnd(w, (unsigned)sig_len * 8);
    sig[bit / 8] ^= (unsigned char)(1u << (bit % 8));
    snprintf(w->ctx, sizeof w->ctx, "%lu bytes, signature bit %u flipped", (unsigned long)len, bit);
    if (!OK(w, C_VerifyInit, w->session, &m, pub) || !EXPECT(w, CKR_SIGNATURE_INVALID, C_Verify, w->session, data, len, sig, sig_len))
        return 0;
    return 1;
}

static int op_rsa(struct worker *w) { return sign_verify(w, CKM_SHA256_RSA_PKCS, rsa_priv, rsa_pub, 256); }
static int op_ecdsa(struct worker *w) { return sign_verify(w, CKM_ECDSA_SHA256, ec_priv, ec_pub, 64); }

static int gcm_round(struct worker *w, CK_OBJECT_HANDLE key)
{
    unsigned char iv[12], aad[32], pt[512], ct[512 + 16], back[512 + 16];
    CK_ULONG len = rnd(w, sizeof pt + 1), aad_len = rnd(w, sizeof aad + 1), ct_len = 0, back_len = sizeof back;
    fill(w, iv, sizeof iv);
    fill(w, aad, aad_len);
    fill(w, pt, len);
    CK_GCM_PARAMS gp = { iv, sizeof iv, 96, aad, aad_len, 128 };
    CK_MECHANISM m = { CKM_AES_GCM, &gp, sizeof gp };
    snprintf(w->ctx, sizeof w->ctx, "key %lu, %lu bytes, %lu bytes AAD", (unsigned long)key, (unsigned long)len, (unsigned long)aad_len);
    if (!OK(w, C_EncryptInit, w->session, &m, key) || !OK(w, C_Encrypt, w->session, pt, len, NULL, &ct_len))
        return 0;
    if (ct_len != len + 16)
        return error(w, "C_Encrypt(NULL) says %lu bytes, expected %lu", (unsigned long)ct_len, (unsigned long)(len + 16));
    if (!OK(w, C_Encrypt, w->session, pt, len, ct, &ct_len))
        return 0;
    if (ct_len != len + 16)
        return error(w, "C_Encrypt wrote %lu bytes, expected %lu", (unsigned long)ct_len, (unsigned long)(len + 16));
    if (!OK(w, C_DecryptInit, w->session, &m, key) || !OK(w, C_Decrypt, w->session, ct, ct_len, back, &back_len))
        return 0;
    if (back_len != len || memcmp(back, pt, len) != 0)
        return error(w, "C_Decrypt gave %lu bytes that are not the plaintext", (unsigned long)back_len);
    if (rnd(w, 4) == 0) {
        unsigned bit = rnd(w, (unsigned)ct_len * 8);
        ct[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        back_len = sizeof back;
        snprintf(w->ctx, sizeof w->ctx, "key %lu, %lu bytes, ciphertext bit %u flipped", (unsigned long)key, (unsigned long)len, bit);
        if (!OK(w, C_DecryptInit, w->session, &m, key)
            || !EXPECT(w, CKR_ENCRYPTED_DATA_INVALID, C_Decrypt, w->session, ct, ct_len, back, &back_len))
            return 0;
    }
    return 1;
}

static int op_gcm(struct worker *w) { return gcm_round(w, aes_key); }

static int op_cbc(struct worker *w)
{
    unsigned char iv[16], pt[300], ct[320], back[320];
    CK_ULONG len = rnd(w, sizeof pt + 1), ct_len = 0, back_len = 0, padded = (len / 16 + 1) * 16;
    fill(w, iv, sizeof iv);
    fill(w, pt, len);
    CK_MECHANISM m = { CKM_AES_CBC_PAD, iv, sizeof iv };
    snprintf(w->ctx, sizeof w->ctx, "%lu bytes", (unsigned long)len);
    if (!OK(w, C_EncryptInit, w->session, &m, aes_key) || !OK(w, C_Encrypt, w->session, pt, len, NULL, &ct_len))
        return 0;
    if (ct_len < padded || ct_len > sizeof ct)
        return error(w, "C_Encrypt(NULL) says %lu bytes, expected %lu", (unsigned long)ct_len, (unsigned long)padded);
    if (!OK(w, C_Encrypt, w->session, pt, len, ct, &ct_len))
        return 0;
    if (ct_len != padded)
        return error(w, "C_Encrypt wrote %lu bytes, expected %lu", (unsigned long)ct_len, (unsigned long)padded);
    if (!OK(w, C_DecryptInit, w->session, &m, aes_key) || !OK(w, C_Decrypt, w->session, ct, ct_len, NULL, &back_len))
        return 0;
    if (back_len < len || back_len > sizeof back)
        return error(w, "C_Decrypt(NULL) says %lu bytes for a %lu-byte plaintext", (unsigned long)back_len, (unsigned long)len);
    if (!OK(w, C_Decrypt, w->session, ct, ct_len, back, &back_len))
        return 0;
    if (back_len != len || memcmp(back, pt, len) != 0)
        return error(w, "C_Decrypt gave %lu bytes that are not the plaintext", (unsigned long)back_len);
    return 1;
}

/* Destroys one of its own objects (a random one) and checks that the handle is gone for good. */
static int destroy_one(struct worker *w)
{
    if (w->nobjs == 0)
        return 1;
    const char *was = w->op;
    __atomic_store_n(&w->op, kind_name[K_DESTROY], __ATOMIC_RELAXED);
    long long t0 = now_ns();
    int i = (int)rnd(w, (unsigned)w->nobjs);
    struct owned o = w->objs[i];
    snprintf(w->ctx, sizeof w->ctx, "handle %lu '%s'", (unsigned long)o.h, o.label);
    int good = OK(w, C_DestroyObject, w->session, o.h);
    if (good) {
        forget(w, i);
        good = gone(w, w->session, o.h) && EXPECT(w, CKR_OBJECT_HANDLE_INVALID, C_DestroyObject, w->session, o.h);
    }
    long long took = now_ns() - t0;
    __atomic_fetch_add(&w->ops[K_DESTROY], 1, __ATOMIC_RELAXED);
    w->busy_ns[K_DESTROY] += took;
    w->nested_ns += took;
    __atomic_store_n(&w->op, was, __ATOMIC_RELAXED);
    return good;
}

static int op_create(struct worker *w)
{
    if (w->nobjs == MAX_OWNED)
        return destroy_one(w);
    struct owned *o = &w->objs[w->nobjs];
    memset(o, 0, sizeof *o);
    o->token = rnd(w, 3) != 0; /* two in three in the store */
    o->priv = rnd(w, 2) ? CK_TRUE : CK_FALSE;
    o->value_len = 1 + rnd(w, sizeof o->value);
    fill(w, o->value, o->value_len);
    label_new(w, o->label, sizeof o->label, o->token ? "t" : "s");
    CK_BBOOL token = o->token ? CK_TRUE : CK_FALSE;
    CK_ATTRIBUTE t[] = {
        { CKA_CLASS, &data_class, sizeof data_class }, { CKA_TOKEN, &token, sizeof token },
        { CKA_PRIVATE, &o->priv, sizeof o->priv },     { CKA_LABEL, o->label, strlen(o->label) },
        { CKA_APPLICATION, w->tag, strlen(w->tag) },    { CKA_VALUE, o->value, o->value_len },
    };
    snprintf(w->ctx, sizeof w->ctx, "'%s', %s, %s, %lu bytes", o->label, o->token ? "token" : "session",
             o->priv ? "private" : "public", (unsigned long)o->value_len);
    if (!OK(w, C_CreateObject, w->session, t, COUNT(t), &o->h))
        return 0;
    for (int i = 0; i < w->nobjs; i++)
        if (w->objs[i].h == o->h)
            return error(w, "C_CreateObject returned handle %lu, which is still '%s'", (unsigned long)o->h, w->objs[i].label);
    w->nobjs++;
    if (!read_back_data(w, w->session, o))
        return 0;
    return w->nobjs > TARGET_OWNED ? destroy_one(w) : 1;
}

static int op_genkey(struct worker *w)
{
    if (w->nobjs == MAX_OWNED)
        return destroy_one(w);
    struct owned *o = &w->objs[w->nobjs];
    memset(o, 0, sizeof *o);
    o->key = 1;
    o->priv = CK_TRUE;
    o->value_len = rnd(w, 2) ? 32 : 16;
    label_new(w, o->label, sizeof o->label, "k");
    CK_MECHANISM m = { CKM_AES_KEY_GEN, NULL, 0 };
    CK_ATTRIBUTE t[] = {
        { CKA_CLASS, &secret_class, sizeof secret_class }, { CKA_KEY_TYPE, &aes_type, sizeof aes_type },
        { CKA_VALUE_LEN, &o->value_len, sizeof o->value_len }, { CKA_TOKEN, &ck_false, sizeof ck_false },
        { CKA_PRIVATE, &ck_true, sizeof ck_true },          { CKA_SENSITIVE, &ck_true, sizeof ck_true },
        { CKA_ENCRYPT, &ck_true, sizeof ck_true },          { CKA_DECRYPT, &ck_true, sizeof ck_true },
        { CKA_LABEL, o->label, strlen(o->label) },          { CKA_ID, w->tag, strlen(w->tag) },
    };
    snprintf(w->ctx, sizeof w->ctx, "'%s', AES-%lu", o->label, (unsigned long)o->value_len * 8);
    if (!OK(w, C_GenerateKey, w->session, &m, t, COUNT(t), &o->h))
        return 0;
    w->nobjs++;
    CK_ULONG value_len = 0;
    unsigned char value[32];
    CK_ATTRIBUTE vl = { CKA_VALUE_LEN, &value_len, sizeof value_len };
    if (!OK(w, C_GetAttributeValue, w->session, o->h, &vl, 1))
        return 0;
    if (value_len != o->value_len)
        return error(w, "CKA_VALUE_LEN is %lu, asked for %lu", (unsigned long)value_len, (unsigned long)o->value_len);
    CK_ATTRIBUTE v = { CKA_VALUE, value, sizeof value };
    if (!EXPECT(w, CKR_ATTRIBUTE_SENSITIVE, C_GetAttributeValue, w->session, o->h, &v, 1))
        return 0;
    if (v.ulValueLen != CK_UNAVAILABLE_INFORMATION)
        return error(w, "CKA_VALUE of a sensitive key: ulValueLen %lu, expected CK_UNAVAILABLE_INFORMATION", (unsigned long)v.ulValueLen);
    if (!gcm_round(w, o->h))
        return 0;
    return w->nobjs > TARGET_OWNED ? destroy_one(w) : 1;
}

static int op_setlabel(struct worker *w)
{
    if (w->nobjs == 0)
        return 1;
    struct owned *o = &w->objs[rnd(w, (unsigned)w->nobjs)];
    char label[48];
    label_new(w, label, sizeof label, o->key ? "k" : o->token ? "t" : "s");
    snprintf(w->ctx, sizeof w->ctx, "handle %lu '%s' -> '%s'", (unsigned long)o->h, o->label, label);
    CK_ATTRIBUTE t = { CKA_LABEL, label, strlen(label) };
    if (!OK(w, C_SetAttributeValue, w->session, o->h, &t, 1))
        return 0;
    strcpy(o->label, label);
    if (!o->key)
        return read_back_data(w, w->session, o);
    char back[64];
    CK_ATTRIBUTE b = { CKA_LABEL, back, sizeof back };
    if (!OK(w, C_GetAttributeValue, w->session, o->h, &b, 1))
        return 0;
    if (b.ulValueLen != strlen(label) || memcmp(back, label, b.ulValueLen) != 0)
        return error(w, "CKA_LABEL reads back as another label");
    return 1;
}

static int same_set(struct worker *w, const CK_OBJECT_HANDLE *found, CK_ULONG n, int keys, const char *what)
{
    int want = 0;
    for (int i = 0; i < w->nobjs; i++)
        want += w->objs[i].key == keys;
    for (CK_ULONG i = 0; i < n; i++) {
        for (CK_ULONG j = i + 1; j < n; j++)
            if (found[i] == found[j])
                return error(w, "%s: handle %lu twice in one find result", what, (unsigned long)found[i]);
        int mine = 0;
        for (int k = 0; k < w->nobjs; k++)
            mine |= w->objs[k].h == found[i] && w->objs[k].key == keys;
        if (!mine)
            return error(w, "%s: found handle %lu, which this thread does not own (destroyed, or never made)", what, (unsigned long)found[i]);
    }
    if ((int)n != want)
        return error(w, "%s: found %lu, this thread owns %d", what, (unsigned long)n, want);
    return 1;
}

static int op_find(struct worker *w)
{
    CK_OBJECT_HANDLE found[MAX_OWNED + 4];
    CK_ULONG n = 0;
    /* One own object by its label: exactly that handle. */
    if (w->nobjs > 0) {
        struct owned *o = &w->objs[rnd(w, (unsigned)w->nobjs)];
        snprintf(w->ctx, sizeof w->ctx, "label '%s' (handle %lu)", o->label, (unsigned long)o->h);
        CK_ATTRIBUTE t = { CKA_LABEL, o->label, strlen(o->label) };
        if (!find_all(w, w->session, &t, 1, found, COUNT(found), &n))
            return 0;
        if (n != 1 || found[0] != o->h)
            return error(w, "found %lu handles (first %lu), expected exactly %lu", (unsigned long)n, (unsigned long)(n ? found[0] : 0),
                         (unsigned long)o->h);
    }
    /* A shared key by its label and class. */
    static const struct { const char *label; CK_OBJECT_CLASS *cls; CK_OBJECT_HANDLE *h; } shared[] = {
        { "stress-rsa", &private_class, &rsa_priv }, { "stress-rsa", &public_class, &rsa_pub },
        { "stress-ec", &private_class, &ec_priv },   { "stress-ec", &public_class, &ec_pub },
        { "stress-aes", &secret_class, &aes_key },
    };
    unsigned which = rnd(w, COUNT(shared));
    snprintf(w->ctx, sizeof w->ctx, "shared key '%s', class %lu", shared[which].label, (unsigned long)*shared[which].cls);
    CK_ATTRIBUTE ts[] = {
        { CKA_LABEL, (void *)shared[which].label, strlen(shared[which].label) },
        { CKA_CLASS, shared[which].cls, sizeof(CK_OBJECT_CLASS) },
    };
    if (!find_all(w, w->session, ts, 2, found, COUNT(found), &n))
        return 0;
    if (n != 1 || found[0] != *shared[which].h)
        return error(w, "found %lu handles (first %lu), expected exactly %lu", (unsigned long)n, (unsigned long)(n ? found[0] : 0),
                     (unsigned long)*shared[which].h);
    /* A label nobody uses. */
    char none[32];
    snprintf(none, sizeof none, "st%d-none", w->index);
    snprintf(w->ctx, sizeof w->ctx, "label '%s'", none);
    CK_ATTRIBUTE tn = { CKA_LABEL, none, strlen(none) };
    if (!find_all(w, w->session, &tn, 1, found, COUNT(found), &n))
        return 0;
    if (n != 0)
        return error(w, "found %lu handles, expected none", (unsigned long)n);
    /* Everything it owns. */
    snprintf(w->ctx, sizeof w->ctx, "own set, %d objects", w->nobjs);
    CK_ATTRIBUTE td[] = { { CKA_CLASS, &data_class, sizeof data_class }, { CKA_APPLICATION, w->tag, strlen(w->tag) } };
    if (!find_all(w, w->session, td, 2, found, COUNT(found), &n) || !same_set(w, found, n, 0, "data objects by CKA_APPLICATION"))
        return 0;
    CK_ATTRIBUTE tk[] = { { CKA_CLASS, &secret_class, sizeof secret_class }, { CKA_ID, w->tag, strlen(w->tag) } };
    if (!find_all(w, w->session, tk, 2, found, COUNT(found), &n) || !same_set(w, found, n, 1, "AES keys by CKA_ID"))
        return 0;
    return 1;
}

/* The long-lived session is closed (its session objects must go with it) and a new one opened. */
static int replace_session(struct worker *w)
{
    CK_SESSION_HANDLE old = w->session, fresh = 0;
    snprintf(w->ctx, sizeof w->ctx, "replacing session %lu", (unsigned long)old);
    if (!OK(w, C_OpenSession, slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &fresh))
        return 0;
    w->session = fresh;
    int good = OK(w, C_CloseSession, old);
    for (int i = w->nobjs - 1; i >= 0; i--) {
        if (w->objs[i].token)
            continue;
        CK_OBJECT_HANDLE h = w->objs[i].h;
        forget(w, i);
        if (good) {
            snprintf(w->ctx, sizeof w->ctx, "session object %lu of closed session %lu", (unsigned long)h, (unsigned long)old);
            good = gone(w, fresh, h);
        }
    }
    return good;
}

static int op_session(struct worker *w)
{
    if (rnd(w, 8) == 0)
        return replace_session(w);
    int rw = (int)rnd(w, 2);
    CK_SESSION_HANDLE s = 0;
    snprintf(w->ctx, sizeof w->ctx, "%s session", rw ? "R/W" : "R/O");
    if (!OK(w, C_OpenSession, slot, CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0), NULL, NULL, &s))
        return 0;
    snprintf(w->ctx, sizeof w->ctx, "%s session %lu", rw ? "R/W" : "R/O", (unsigned long)s);
    CK_SESSION_INFO info;
    int good = OK(w, C_GetSessionInfo, s, &info);
    CK_STATE want = rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
    if (good && (info.slotID != slot || info.state != want || !(info.flags & CKF_SERIAL_SESSION) || !(info.flags & CKF_RW_SESSION) != !rw))
        good = error(w, "C_GetSessionInfo: slot %lu, state %lu, flags 0x%lx; expected slot %lu, state %lu", (unsigned long)info.slotID,
                     (unsigned long)info.state, (unsigned long)info.flags, (unsigned long)slot, (unsigned long)want);
    char label[48];
    label_new(w, label, sizeof label, "x");
    CK_OBJECT_HANDLE h = 0;
    if (good && create_session_data(w, s, &h, label)) {
        /* Visible from the thread's other session while s is open. */
        char back[48];
        CK_ATTRIBUTE b = { CKA_LABEL, back, sizeof back };
        if (!OK(w, C_GetAttributeValue, w->session, h, &b, 1))
            good = 0;
        else if (b.ulValueLen != strlen(label) || memcmp(back, label, b.ulValueLen) != 0)
            good = error(w, "session object %lu reads back with another label", (unsigned long)h);
    } else {
        good = 0;
    }
    if (good && !rw) {
        CK_OBJECT_HANDLE t = 0;
        CK_ATTRIBUTE tt[] = {
            { CKA_CLASS, &data_class, sizeof data_class }, { CKA_TOKEN, &ck_true, sizeof ck_true },
            { CKA_LABEL, label, strlen(label) },
        };
        good = EXPECT(w, CKR_SESSION_READ_ONLY, C_CreateObject, s, tt, COUNT(tt), &t);
    }
    if (good)
        good = digest_round(w, s);
    snprintf(w->ctx, sizeof w->ctx, "%s session %lu", rw ? "R/W" : "R/O", (unsigned long)s);
    if (!OK(w, C_CloseSession, s))
        return 0;
    if (!EXPECT(w, CKR_SESSION_HANDLE_INVALID, C_GetSessionInfo, s, &info))
        return 0;
    if (h != 0) {
        snprintf(w->ctx, sizeof w->ctx, "object %lu of closed session %lu", (unsigned long)h, (unsigned long)s);
        good &= gone(w, w->session, h);
    }
    return good;
}

static int (*const run_op[KINDS])(struct worker *) = { op_session, op_rsa, op_ecdsa, op_gcm, op_cbc, op_digest,
                                                       op_find, op_create, destroy_one, op_genkey, op_setlabel };

static pthread_barrier_t start_line;

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    unsigned total_weight = 0;
    for (int k = 0; k < KINDS; k++)
        total_weight += weight[k];
    pthread_barrier_wait(&start_line);
    __atomic_store_n(&w->last_progress, now_ns(), __ATOMIC_RELAXED);
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        unsigned r = rnd(w, total_weight);
        int k = 0;
        while (r >= weight[k])
            r -= weight[k++];
        __atomic_store_n(&w->op, kind_name[k], __ATOMIC_RELAXED);
        w->ctx[0] = 0;
        long long t0 = now_ns();
        w->nested_ns = 0;
        int good = run_op[k](w);
        w->busy_ns[k] += now_ns() - t0 - w->nested_ns;
        __atomic_fetch_add(&w->ops[k], 1, __ATOMIC_RELAXED);
        if (!good) {
            /* An operation may be left active, or the session broken: start over with a fresh one. */
            __atomic_store_n(&w->op, "recovery", __ATOMIC_RELAXED);
            replace_session(w);
        }
        __atomic_store_n(&w->last_progress, now_ns(), __ATOMIC_RELAXED);
    }
    /* Clean up: destroy what it owns; then the finds of its own set must come back empty. */
    __atomic_store_n(&w->op, "cleanup", __ATOMIC_RELAXED);
    while (w->nobjs > 0) {
        int before = w->nobjs;
        destroy_one(w);
        if (w->nobjs == before) {
            error(w, "cannot destroy '%s'; %d object(s) left behind", w->objs[0].label, w->nobjs);
            break;
        }
        __atomic_store_n(&w->last_progress, now_ns(), __ATOMIC_RELAXED);
    }
    if (w->nobjs == 0)
        op_find(w);
    snprintf(w->ctx, sizeof w->ctx, "session %lu", (unsigned long)w->session);
    OK(w, C_CloseSession, w->session);
    __atomic_store_n(&w->op, "done", __ATOMIC_RELAXED);
    __atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* Ops finished so far by all threads (read while they run: a snapshot, good to a few ops). */
static long total_ops(void)
{
    long n = 0;
    for (int i = 0; i < nthreads; i++)
        for (int k = 0; k < KINDS; k++)
            n += __atomic_load_n(&workers[i].ops[k], __ATOMIC_RELAXED);
    return n;
}

/* ---- memory ---- */

/* A field of /proc/self/status in KiB (VmRSS, VmHWM), or -1. */
static long status_kib(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        return -1;
    char line[256];
    long kib = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            kib = atol(line + n + 1);
            break;
        }
    fclose(f);
    return kib;
}
static double mib(long kib) { return kib / 1024.0; }

/* ---- watchdog ---- */

static double stall_seconds = 30;

static void dump_threads(const char *why)
{
    long long now = now_ns();
    fprintf(stderr, "stress: DEADLOCK: %s; what each thread is doing:\n", why);
    for (int i = 0; i < nthreads; i++) {
        struct worker *w = &workers[i];
        const char *op = __atomic_load_n(&w->op, __ATOMIC_RELAXED), *call = __atomic_load_n(&w->call, __ATOMIC_RELAXED);
        long long last = __atomic_load_n(&w->last_progress, __ATOMIC_RELAXED);
        fprintf(stderr, "  thread %2d: op %-9s call %-22s %s; last progress %.1f s ago\n", i, op ? op : "-", call ? call : "-",
                __atomic_load_n(&w->done, __ATOMIC_ACQUIRE) ? "(done)" : "", (now - last) / 1e9);
    }
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "stress: DEADLOCK: the final C_Logout/C_CloseSession/C_Finalize did not return\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    _exit(3);
}

/* ---- set-up ---- */

static void generate_keys(CK_SESSION_HANDLE s)
{
    CK_MECHANISM rsa_gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
    CK_ULONG bits = 2048;
    CK_BYTE e[] = { 1, 0, 1 };
    char rsa_label[] = "stress-rsa", ec_label[] = "stress-ec", aes_label[] = "stress-aes";
    CK_ATTRIBUTE rsa_pub_t[] = {
        { CKA_TOKEN, &ck_true, sizeof ck_true },     { CKA_VERIFY, &ck_true, sizeof ck_true },
        { CKA_MODULUS_BITS, &bits, sizeof bits },    { CKA_PUBLIC_EXPONENT, e, sizeof e },
        { CKA_LABEL, rsa_label, strlen(rsa_label) },
    };
    CK_ATTRIBUTE rsa_priv_t[] = {
        { CKA_TOKEN, &ck_true, sizeof ck_true },     { CKA_PRIVATE, &ck_true, sizeof ck_true },
        { CKA_SENSITIVE, &ck_true, sizeof ck_true }, { CKA_SIGN, &ck_true, sizeof ck_true },
        { CKA_LABEL, rsa_label, strlen(rsa_label) },
    };
    check(p11->C_GenerateKeyPair(s, &rsa_gen, rsa_pub_t, COUNT(rsa_pub_t), rsa_priv_t, COUNT(rsa_priv_t), &rsa_pub, &rsa_priv),
          "C_GenerateKeyPair(RSA-2048)", 4);

    CK_MECHANISM ec_gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
    CK_BYTE p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
    CK_ATTRIBUTE ec_pub_t[] = {
        { CKA_TOKEN, &ck_false, sizeof ck_false },   { CKA_VERIFY, &ck_true, sizeof ck_true },
        { CKA_EC_PARAMS, p256, sizeof p256 },        { CKA_LABEL, ec_label, strlen(ec_label) },
    };
    CK_ATTRIBUTE ec_priv_t[] = {
        { CKA_TOKEN, &ck_false, sizeof ck_false },   { CKA_PRIVATE, &ck_true, sizeof ck_true },
        { CKA_SENSITIVE, &ck_true, sizeof ck_true }, { CKA_SIGN, &ck_true, sizeof ck_true },
        { CKA_LABEL, ec_label, strlen(ec_label) },
    };
    check(p11->C_GenerateKeyPair(s, &ec_gen, ec_pub_t, COUNT(ec_pub_t), ec_priv_t, COUNT(ec_priv_t), &ec_pub, &ec_priv),
          "C_GenerateKeyPair(EC P-256)", 4);

    CK_MECHANISM aes_gen = { CKM_AES_KEY_GEN, NULL, 0 };
    CK_ULONG aes_len = 32;
    CK_ATTRIBUTE aes_t[] = {
        { CKA_CLASS, &secret_class, sizeof secret_class }, { CKA_KEY_TYPE, &aes_type, sizeof aes_type },
        { CKA_VALUE_LEN, &aes_len, sizeof aes_len },       { CKA_TOKEN, &ck_true, sizeof ck_true },
        { CKA_PRIVATE, &ck_true, sizeof ck_true },         { CKA_SENSITIVE, &ck_true, sizeof ck_true },
        { CKA_ENCRYPT, &ck_true, sizeof ck_true },         { CKA_DECRYPT, &ck_true, sizeof ck_true },
        { CKA_LABEL, aes_label, strlen(aes_label) },
    };
    check(p11->C_GenerateKey(s, &aes_gen, aes_t, COUNT(aes_t), &aes_key), "C_GenerateKey(AES-256)", 4);
}

static void usage(void)
{
    fail(2, "usage: stress <module.so> <token-label> <user-pin> [--threads N] [--seconds S] [--warmup S] [--rss-limit-mib M]\n"
            "              [--stall S] [--seed N]");
}

int main(int argc, char **argv)
{
    if (argc < 4)
        usage();
    const char *module = argv[1], *token = argv[2], *pin = argv[3];
    double seconds = 15, warmup = -1, rss_limit_mib = 4;
    unsigned long long seed = (unsigned long long)time(NULL);
    nthreads = 16;
    for (int i = 4; i < argc; i++) {
        if (i + 1 >= argc)
            usage();
        const char *opt = argv[i], *val = argv[++i];
        char *end = NULL;
        double d = strtod(val, &end);
        if (end == val || *end != 0 || d < 0)
            usage();
        if (strcmp(opt, "--threads") == 0)
            nthreads = (int)d;
        else if (strcmp(opt, "--seconds") == 0)
            seconds = d;
        else if (strcmp(opt, "--warmup") == 0)
            warmup = d;
        else if (strcmp(opt, "--rss-limit-mib") == 0)
            rss_limit_mib = d;
        else if (strcmp(opt, "--stall") == 0)
            stall_seconds = d;
        else if (strcmp(opt, "--seed") == 0)
            seed = strtoull(val, NULL, 10);
        else
            usage();
    }
    if (nthreads < 1 || nthreads > MAX_THREADS || seconds <= 0 || seconds > MAX_SAMPLES - 1 || stall_seconds < 1)
        usage();
    if (warmup < 0)
        warmup = seconds / 2 < 20 ? seconds / 2 : 20;
    if (warmup >= seconds)
        usage();
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("stress: %d threads for %g s (warm-up %g s), seed %llu\n", nthreads, seconds, warmup, seed);

    /* Set-up: one session logs in and stays open until the end; the shared keys. */
    long long t0 = now_ns();
    load_module(module, &p11);
    check(initialize(p11), "C_Initialize", 4);
    slot = find_slot(p11, token, 4);
    CK_SESSION_HANDLE main_session = 0;
    check(p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &main_session), "C_OpenSession", 4);
    check(p11->C_Login(main_session, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin)), "C_Login", 4);
    generate_keys(main_session);
    workers = calloc((size_t)nthreads, sizeof *workers);
    if (workers == NULL)
        fail(2, "out of memory");
    for (int i = 0; i < nthreads; i++) {
        struct worker *w = &workers[i];
        w->index = i;
        w->rng = (seed + 1) * 0x9E3779B97F4A7C15ULL ^ (unsigned long long)(i + 1) * 0xBF58476D1CE4E5B9ULL;
        if (w->rng == 0)
            w->rng = 1;
        snprintf(w->tag, sizeof w->tag, "st%d", i);
        w->op = "start";
        w->call = "-";
        check(p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &w->session), "C_OpenSession", 4);
    }
    printf("set-up: logged in; RSA-2048 pair and AES-256 key (token objects), EC P-256 pair (session objects) in %.2f s\n",
           (now_ns() - t0) / 1e9);
    long rss_setup = status_kib("VmRSS");

    /* Run. */
    if (pthread_barrier_init(&start_line, NULL, (unsigned)nthreads + 1) != 0)
        fail(2, "pthread_barrier_init failed");
    for (int i = 0; i < nthreads; i++)
        if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) != 0)
            fail(2, "pthread_create failed");
    pthread_barrier_wait(&start_line);
    long long start = now_ns(), stall_ns = (long long)(stall_seconds * 1e9);
    static long rss_samples[MAX_SAMPLES], ops_samples[MAX_SAMPLES];
    int nsamples = 0;
    long rss_warm = -1, rss_end = -1;
    for (;;) {
        struct timespec pause = { 0, 100 * 1000 * 1000 };
        nanosleep(&pause, NULL);
        long long now = now_ns();
        double elapsed = (now - start) / 1e9;
        if (!stop && elapsed >= nsamples && nsamples < MAX_SAMPLES) {
            ops_samples[nsamples] = total_ops();
            rss_samples[nsamples++] = status_kib("VmRSS");
        }
        if (rss_warm < 0 && elapsed >= warmup)
            rss_warm = status_kib("VmRSS");
        if (!stop && elapsed >= seconds) {
            rss_end = status_kib("VmRSS");
            __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
        }
        int running = 0;
        for (int i = 0; i < nthreads; i++) {
            struct worker *w = &workers[i];
            if (__atomic_load_n(&w->done, __ATOMIC_ACQUIRE))
                continue;
            running++;
            if (now - __atomic_load_n(&w->last_progress, __ATOMIC_RELAXED) > stall_ns) {
                char why[96];
                snprintf(why, sizeof why, "thread %d made no progress for %g s", i, stall_seconds);
                dump_threads(why);
                _exit(3);
            }
        }
        if (stop && running == 0)
            break;
    }
    for (int i = 0; i < nthreads; i++)
        pthread_join(workers[i].thread, NULL);
    long rss_cleanup = status_kib("VmRSS");

    /* Report. */
    long total = 0, sum[KINDS] = { 0 };
    long long busy[KINDS] = { 0 };
    for (int i = 0; i < nthreads; i++)
        for (int k = 0; k < KINDS; k++) {
            sum[k] += workers[i].ops[k];
            busy[k] += workers[i].busy_ns[k];
            total += workers[i].ops[k];
        }
    printf("ops over %.1f s (%d threads):\n", seconds, nthreads);
    printf("  %-9s %10s %10s %12s  %s\n", "kind", "count", "ops/s", "ms/op (wall)", "what one op is");
    for (int k = 0; k < KINDS; k++)
        printf("  %-9s %10ld %10.1f %12.3f  %s\n", kind_name[k], sum[k], sum[k] / seconds, sum[k] ? busy[k] / 1e6 / sum[k] : 0.0,
               kind_what[k]);
    printf("  %-9s %10ld %10.1f\n", "total", total, total / seconds);

    /* Tear-down: only the shared keys may be left; then C_Finalize must succeed (and return). */
    signal(SIGALRM, on_alarm);
    alarm((unsigned)stall_seconds);
    int teardown = 0;
    CK_OBJECT_HANDLE left[16];
    CK_ULONG nleft = 0;
    CK_RV rv = p11->C_FindObjectsInit(main_session, NULL, 0);
    if (rv == CKR_OK)
        rv = p11->C_FindObjects(main_session, left, COUNT(left), &nleft);
    if (rv == CKR_OK)
        rv = p11->C_FindObjectsFinal(main_session);
    if (rv != CKR_OK) {
        fprintf(stderr, "stress: listing the objects left: %s (0x%lx)\n", rv_name(rv), (unsigned long)rv);
        teardown = 1;
    } else if (nleft != 5) {
        fprintf(stderr, "stress: %lu objects left after the threads cleaned up, expected the 5 shared keys\n", (unsigned long)nleft);
        teardown = 1;
    }
    CK_OBJECT_HANDLE keys[] = { rsa_pub, rsa_priv, ec_pub, ec_priv, aes_key };
    for (size_t i = 0; i < COUNT(keys); i++)
        if ((rv = p11->C_DestroyObject(main_session, keys[i])) != CKR_OK) {
            fprintf(stderr, "stress: C_DestroyObject(shared key %lu): %s (0x%lx)\n", (unsigned long)keys[i], rv_name(rv), (unsigned long)rv);
            teardown = 1;
        }
    check(p11->C_Logout(main_session), "C_Logout", 4);
    check(p11->C_CloseSession(main_session), "C_CloseSession", 4);
    check(p11->C_Finalize(NULL), "C_Finalize", 4);
    alarm(0);

    long rss_peak = status_kib("VmHWM");
    long growth = rss_end - rss_warm;
    int flat = growth <= (long)(rss_limit_mib * 1024);
    printf("RSS: after set-up %.1f MiB, after warm-up (%g s) %.1f MiB, end (%g s) %.1f MiB, after clean-up %.1f MiB, peak (VmHWM) %.1f MiB\n",
           mib(rss_setup), warmup, mib(rss_warm), seconds, mib(rss_end), mib(rss_cleanup), mib(rss_peak));
    printf("RSS growth after warm-up: %+.1f MiB (limit %g MiB): %s\n", mib(growth), rss_limit_mib, flat ? "flat" : "GROWING");
    printf("RSS each second (MiB):");
    for (int i = 0; i < nsamples; i++)
        printf(" %.0f", mib(rss_samples[i]));
    printf("\nops each second:");
    for (int i = 1; i < nsamples; i++)
        printf(" %ld", ops_samples[i] - ops_samples[i - 1]);
    printf("\n");
    long errs = __atomic_load_n(&errors, __ATOMIC_RELAXED);
    printf("errors: %ld; C_Finalize: CKR_OK\n", errs);
    if (errs > 0)
        return 5;
    if (teardown)
        return 4;
    return flat ? 0 : 6;
}
