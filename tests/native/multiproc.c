/*
 * multiproc <module.so> worker <token-label> <user-pin> <dir> <index> <workers> <rounds> <timeout-s>
 * multiproc <module.so> check  <token-label> <user-pin> <dir> <workers> <rounds> <timeout-s>
 *
 * Several independent processes on one token (issue 5, multi-process). Each worker is its own process,
 * started by the script (never a fork of an initialised parent), and owns the objects whose CKA_APPLICATION
 * is "mp<index>" and whose CKA_LABEL is "mp<index>-<k>", k = 0, 1, 2, ... in creation order. What an object
 * holds follows from (index, k) alone, so any process can tell a right object from a wrong one:
 *   CKA_VALUE   = value_of(index, k) (8..64 bytes);   CKA_PRIVATE = (k % 2 == 0);   CKA_TOKEN = true;
 *   destroyable = (k % 3 == 2): its owner destroys it one round after creating it; the others are kept.
 *
 * worker: C_Initialize, logs in as user, creates <dir>/ready.<index>, waits for <dir>/go, then per round:
 *   - creates OBJECTS_PER_ROUND objects, then destroys the destroyable objects of the previous round;
 *   - finds its own objects (by CKA_APPLICATION): exactly the live ones, each under the handle C_CreateObject
 *     gave it, no duplicate; reads them back (this round's every round, all of them every 5th round);
 *   - finds every other worker's objects and reads them (label, value, private, token, application): every
 *     handle not read before and every destroyable object's, each time; kept objects already read, in turns
 *     (KEPT_READS_PER_FIND a find), so that a round costs O(objects), not O(objects) reads.
 * After each create and each destroy it publishes how far it got in <dir>/progress (shared memory, one
 * slot per worker), so that an observer knows what must be visible before its C_FindObjectsInit:
 *   - every kept object of worker j created before the find began must be in the result (no stale view);
 *   - no object destroyed before the find began may be in it, nor be readable (no resurrection);
 *   - no object not yet created (beyond the one being created now) may be in it.
 * Races that are legitimate and tolerated: the owner destroys an object between our C_FindObjectsInit and
 * our C_GetAttributeValue -> CKR_OBJECT_HANDLE_INVALID, allowed only for a destroyable object (or a handle we
 * never managed to read); that handle must then never come back in a later find. A kept object never gives
 * CKR_OBJECT_HANDLE_INVALID. Bugs, always: a duplicate handle within one find (across its C_FindObjects calls),
 * two handles for one object, one handle for two objects, a value/attribute that differs from what its owner
 * stored, any other CKR (CKR_DEVICE_ERROR from SQLITE_BUSY under contention, ...).
 * At the end it destroys the last round's destroyable objects, checks its own view once more and writes
 * its expected set to <dir>/expected.<index> ("<label> <private 0|1> <value hex>" per line).
 *
 * check: a fresh process. Without login it must list exactly the public objects of the union of the
 * expected sets; after login, exactly the whole union: every object once, no extra object, no duplicate
 * handle, every value intact; and each expected file must be the set its worker was meant to keep.
 *
 * Exit codes: 0 all good; 2 set-up (usage, load, barrier); 3 timeout; 4 a PKCS#11 call failed
 * unexpectedly (its CKR is on stderr); 5 a check failed (every violation is on stderr).
 */
#include "p11util.h" /* first: it defines _GNU_SOURCE */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 16
#define OBJECTS_PER_ROUND 3
#define FIND_CHUNK 5 /* small, so that one find takes several C_FindObjects calls */
#define KEPT_READS_PER_FIND 48 /* kept objects already read once, read again per find of one owner */
#define MAX_REPORTED 30

static int me = -1; /* worker index, -1 for the checker */
static long violations;

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "multiproc: timeout\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    _exit(3);
}

/* A check failed: report it (the first MAX_REPORTED) and go on, so one run shows every kind of failure. */
static void violation(const char *fmt, ...)
{
    violations++;
    if (violations > MAX_REPORTED)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (me >= 0)
        fprintf(stderr, "worker %d: VIOLATION: ", me);
    else
        fprintf(stderr, "check: VIOLATION: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---- what an object holds, from (owner, k) ---- */

static size_t value_of(int owner, long k, unsigned char *out)
{
    size_t len = 8 + (size_t)((k * 7 + owner) % 57);
    unsigned long long x = 0x9E3779B97F4A7C15ULL * (unsigned long long)(owner + 1) ^ (unsigned long long)(k + 1) * 0xBF58476D1CE4E5B9ULL;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out[i] = (unsigned char)(x >> 24);
    }
    return len;
}

static int is_private(long k) { return k % 2 == 0; }
static int is_destroyable(long k) { return k % 3 == 2; }

static void label_of(int owner, long k, char *out, size_t size) { snprintf(out, size, "mp%d-%06ld", owner, k); }
static void app_of(int owner, char *out, size_t size) { snprintf(out, size, "mp%d", owner); }

/* "mp<owner>-<k>" -> 0, or -1 if it is not such a label. */
static int parse_label(const char *label, size_t len, int *owner, long *k)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, label, len);
    buf[len] = 0;
    int o = 0, consumed = 0;
    long n = 0;
    if (sscanf(buf, "mp%d-%ld%n", &o, &n, &consumed) != 2 || (size_t)consumed != len || o < 0 || n < 0)
        return -1;
    char again[64];
    label_of(o, n, again, sizeof again);
    if (strcmp(again, buf) != 0)
        return -1;
    *owner = o;
    *k = n;
    return 0;
}

/* ---- handle map: every handle this process has seen, and what it was ---- */

struct slot_entry {
    CK_OBJECT_HANDLE handle; /* 0: empty */
    int owner;               /* -1: unknown (found, but gone before we could read it) */
    long k;
    int dead;                /* destroyed (by us) or answered CKR_OBJECT_HANDLE_INVALID */
};
static struct slot_entry *map;
static size_t map_size;

static struct slot_entry *map_get(CK_OBJECT_HANDLE h, int insert)
{
    size_t i = (size_t)(h * 0x9E3779B97F4A7C15ULL) & (map_size - 1);
    while (map[i].handle != 0 && map[i].handle != h)
        i = (i + 1) & (map_size - 1);
    if (map[i].handle == h)
        return &map[i];
    if (!insert)
        return NULL;
    map[i].handle = h;
    map[i].owner = -1;
    map[i].k = -1;
    map[i].dead = 0;
    return &map[i];
}

/* ---- shared progress: created[j] objects made; every destroyable k < destroyed[j] is gone ---- */

struct progress {
    long created[MAX_WORKERS];
    long destroyed[MAX_WORKERS];
};
static struct progress *shared;

static void open_progress(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/progress", dir);
    int fd = open(path, O_RDWR | O_CREAT, 0600);
    if (fd < 0)
        fail(2, "open %s: %s", path, strerror(errno));
    if (ftruncate(fd, 4096) != 0) /* same size for everyone: never clears what another wrote */
        fail(2, "ftruncate %s: %s", path, strerror(errno));
    shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (shared == MAP_FAILED)
        fail(2, "mmap %s: %s", path, strerror(errno));
    close(fd);
}

static void publish(long *field, long value) { __atomic_store_n(field, value, __ATOMIC_RELEASE); }
static long observe(long *field) { return __atomic_load_n(field, __ATOMIC_ACQUIRE); }

/* ---- PKCS#11 helpers ---- */

static CK_FUNCTION_LIST_PTR p11;
static long finds, foreign_reads, foreign_gone;

/* All handles of one find operation; duplicates within it are a violation. Caller frees. */
static CK_OBJECT_HANDLE *find_all(CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_ULONG *count, const char *what)
{
    CK_ULONG cap = 64, total = 0, got = 0;
    CK_OBJECT_HANDLE *all = malloc(cap * sizeof *all);
    if (all == NULL)
        fail(4, "out of memory");
    check(p11->C_FindObjectsInit(s, tmpl, n), "C_FindObjectsInit", 4);
    do {
        if (total + FIND_CHUNK > cap) {
            cap *= 2;
            all = realloc(all, cap * sizeof *all);
            if (all == NULL)
                fail(4, "out of memory");
        }
        check(p11->C_FindObjects(s, all + total, FIND_CHUNK, &got), "C_FindObjects", 4);
        total += got;
    } while (got > 0);
    check(p11->C_FindObjectsFinal(s), "C_FindObjectsFinal", 4);
    finds++;
    for (CK_ULONG i = 0; i < total; i++)
        for (CK_ULONG j = i + 1; j < total; j++)
            if (all[i] == all[j])
                violation("%s: handle %lu twice in one find result", what, (unsigned long)all[i]);
    *count = total;
    return all;
}

struct read_back {
    char label[64];
    CK_ULONG label_len;
    unsigned char value[128];
    CK_ULONG value_len;
    char app[32];
    CK_ULONG app_len;
    CK_BBOOL priv, token;
    CK_OBJECT_CLASS cls;
};

static CK_RV read_object(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, struct read_back *r)
{
    CK_ATTRIBUTE t[] = {
        { CKA_CLASS, &r->cls, sizeof r->cls },
        { CKA_LABEL, r->label, sizeof r->label - 1 },
        { CKA_VALUE, r->value, sizeof r->value },
        { CKA_APPLICATION, r->app, sizeof r->app - 1 },
        { CKA_PRIVATE, &r->priv, sizeof r->priv },
        { CKA_TOKEN, &r->token, sizeof r->token },
    };
    CK_RV rv = p11->C_GetAttributeValue(s, h, t, sizeof t / sizeof t[0]);
    if (rv != CKR_OK)
        return rv;
    r->label_len = t[1].ulValueLen;
    r->value_len = t[2].ulValueLen;
    r->app_len = t[3].ulValueLen;
    r->label[r->label_len] = 0;
    r->app[r->app_len] = 0;
    return CKR_OK;
}

/* Does what we read match what (owner, k) must hold? Reports each difference; 0 if it all matches. */
static int check_contents(const struct read_back *r, int owner, long k, CK_OBJECT_HANDLE h, const char *who)
{
    unsigned char want[128];
    size_t want_len = value_of(owner, k, want);
    char app[32];
    app_of(owner, app, sizeof app);
    int bad = 0;
    if (r->cls != CKO_DATA)
        bad = 1, violation("%s: handle %lu (%s): CKA_CLASS 0x%lx, expected CKO_DATA", who, (unsigned long)h, r->label, (unsigned long)r->cls);
    if (r->value_len != want_len || memcmp(r->value, want, want_len) != 0)
        bad = 1, violation("%s: handle %lu (%s): CKA_VALUE differs from what its owner stored (%lu bytes, expected %zu)",
                           who, (unsigned long)h, r->label, (unsigned long)r->value_len, want_len);
    if (r->app_len != strlen(app) || strcmp(r->app, app) != 0)
        bad = 1, violation("%s: handle %lu (%s): CKA_APPLICATION '%s', expected '%s'", who, (unsigned long)h, r->label, r->app, app);
    if ((r->priv != CK_FALSE) != is_private(k))
        bad = 1, violation("%s: handle %lu (%s): CKA_PRIVATE %d, expected %d", who, (unsigned long)h, r->label, r->priv, is_private(k));
    if (r->token != CK_TRUE)
        bad = 1, violation("%s: handle %lu (%s): CKA_TOKEN is false", who, (unsigned long)h, r->label);
    return bad;
}

static CK_OBJECT_HANDLE create_object(CK_SESSION_HANDLE s, int owner, long k)
{
    char label[64], app[32];
    unsigned char value[128];
    label_of(owner, k, label, sizeof label);
    app_of(owner, app, sizeof app);
    size_t len = value_of(owner, k, value);
    CK_BBOOL priv = is_private(k) ? CK_TRUE : CK_FALSE;
    CK_ATTRIBUTE tmpl[] = {
        { CKA_CLASS, &data_class, sizeof data_class },
        { CKA_TOKEN, &ck_true, sizeof ck_true },
        { CKA_PRIVATE, &priv, sizeof priv },
        { CKA_LABEL, label, strlen(label) },
        { CKA_APPLICATION, app, strlen(app) },
        { CKA_VALUE, value, len },
    };
    CK_OBJECT_HANDLE h = 0;
    CK_RV rv = p11->C_CreateObject(s, tmpl, sizeof tmpl / sizeof tmpl[0], &h);
    if (rv != CKR_OK)
        fail(4, "worker %d: C_CreateObject(%s): %s (0x%lx)", owner, label, rv_name(rv), (unsigned long)rv);
    return h;
}

static CK_SESSION_HANDLE login_session(const char *token, const char *pin, int login)
{
    CK_SLOT_ID slot = find_slot(p11, token, 4);
    CK_SESSION_HANDLE s = 0;
    check(p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), "C_OpenSession", 4);
    if (login)
        check(p11->C_Login(s, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin)), "C_Login", 4);
    return s;
}

/* ---- worker ---- */

static CK_OBJECT_HANDLE *own_handle; /* by k */
static unsigned char *own_alive;     /* by k */
static long own_created, own_live;
static long read_turn[MAX_WORKERS]; /* by owner: the first k of the kept objects read again this time */
static CK_OBJECT_HANDLE *seen_handle[MAX_WORKERS]; /* by owner, k: the handle we read it under, 0 if never */

/* Our own objects: exactly the live ones, each under its creation handle; reads back [from, own_created). */
static void verify_own(CK_SESSION_HANDLE s, long read_from, const char *when)
{
    char app[32], who[64];
    app_of(me, app, sizeof app);
    snprintf(who, sizeof who, "own objects (%s)", when);
    CK_ATTRIBUTE tmpl[] = {
        { CKA_CLASS, &data_class, sizeof data_class },
        { CKA_APPLICATION, app, strlen(app) },
    };
    CK_ULONG n = 0;
    CK_OBJECT_HANDLE *found = find_all(s, tmpl, 2, &n, who);
    if ((long)n != own_live)
        violation("%s: found %lu, expected %ld (created %ld minus destroyed)", who, (unsigned long)n, own_live, own_created);
    for (CK_ULONG i = 0; i < n; i++) {
        struct slot_entry *e = map_get(found[i], 0);
        if (e == NULL || e->owner != me)
            violation("%s: handle %lu is not one C_CreateObject gave us", who, (unsigned long)found[i]);
        else if (e->dead)
            violation("%s: handle %lu (k=%ld) was destroyed, yet it is found", who, (unsigned long)found[i], e->k);
    }
    free(found);
    for (long k = read_from; k < own_created; k++) {
        if (!own_alive[k])
            continue;
        struct read_back r;
        CK_RV rv = read_object(s, own_handle[k], &r);
        if (rv != CKR_OK) {
            violation("%s: C_GetAttributeValue on live handle %lu (k=%ld): %s", who, (unsigned long)own_handle[k], k, rv_name(rv));
            continue;
        }
        int o;
        long kk;
        if (parse_label(r.label, r.label_len, &o, &kk) != 0 || o != me || kk != k)
            violation("%s: handle %lu holds label '%s', expected k=%ld", who, (unsigned long)own_handle[k], r.label, k);
        else
            check_contents(&r, me, k, own_handle[k], who);
    }
}

/* Every other worker's objects: see the rules at the top. */
static void observe_others(CK_SESSION_HANDLE s, int workers, long max_objects)
{
    unsigned char *in_result = malloc((size_t)max_objects);
    if (in_result == NULL)
        fail(4, "out of memory");
    for (int j = 0; j < workers; j++) {
        if (j == me)
            continue;
        char app[32], who[64];
        app_of(j, app, sizeof app);
        snprintf(who, sizeof who, "objects of worker %d", j);
        long created_before = observe(&shared->created[j]);
        long destroyed_before = observe(&shared->destroyed[j]);
        CK_ATTRIBUTE tmpl[] = {
            { CKA_CLASS, &data_class, sizeof data_class },
            { CKA_APPLICATION, app, strlen(app) },
        };
        CK_ULONG n = 0;
        CK_OBJECT_HANDLE *found = find_all(s, tmpl, 2, &n, who);
        long created_after = observe(&shared->created[j]);
        memset(in_result, 0, (size_t)max_objects);
        for (CK_ULONG i = 0; i < n; i++) {
            CK_OBJECT_HANDLE h = found[i];
            struct slot_entry *e = map_get(h, 1);
            if (e->dead)
                violation("%s: handle %lu (k=%ld) answered CKR_OBJECT_HANDLE_INVALID before, now C_FindObjects returns it",
                          who, (unsigned long)h, e->k);
            if (e->owner >= 0 && e->owner != j) {
                violation("%s: handle %lu belonged to worker %d's object k=%ld", who, (unsigned long)h, e->owner, e->k);
                continue;
            }
            int stale = e->owner == j && is_destroyable(e->k) && e->k < destroyed_before;
            if (stale)
                violation("%s: k=%ld (handle %lu) was destroyed before C_FindObjectsInit, yet it is found (stale view)", who,
                          e->k, (unsigned long)h);
            if (e->owner == j && !is_destroyable(e->k)) {
                /* A kept object we have read before: always counted as present; read again only in turns. */
                if (in_result[e->k])
                    violation("%s: k=%ld twice in one find result", who, e->k);
                in_result[e->k] = 1;
                long span = created_before > KEPT_READS_PER_FIND ? created_before : KEPT_READS_PER_FIND;
                if ((e->k - read_turn[j] + span) % span >= KEPT_READS_PER_FIND)
                    continue;
            }
            struct read_back r;
            CK_RV rv = read_object(s, h, &r);
            foreign_reads++;
            if (rv == CKR_OBJECT_HANDLE_INVALID) {
                /* Legitimate only if its owner destroyed it since our C_FindObjectsInit. */
                if (e->owner == j && !is_destroyable(e->k))
                    violation("%s: kept object k=%ld (handle %lu) answers CKR_OBJECT_HANDLE_INVALID", who, e->k, (unsigned long)h);
                e->dead = 1;
                foreign_gone++;
                continue;
            }
            if (rv != CKR_OK)
                fail(4, "worker %d: C_GetAttributeValue on handle %lu of worker %d: %s (0x%lx)", me, (unsigned long)h, j,
                     rv_name(rv), (unsigned long)rv);
            int o;
            long k;
            if (parse_label(r.label, r.label_len, &o, &k) != 0 || o != j || k >= max_objects) {
                violation("%s: handle %lu holds label '%s', which is not one of worker %d's", who, (unsigned long)h, r.label, j);
                continue;
            }
            if (e->owner == j && e->k != k)
                violation("%s: handle %lu held k=%ld before, now k=%ld", who, (unsigned long)h, e->k, k);
            if (seen_handle[j][k] != 0 && seen_handle[j][k] != h)
                violation("%s: k=%ld was handle %lu before, now also handle %lu (two handles for one object)", who, k,
                          (unsigned long)seen_handle[j][k], (unsigned long)h);
            if (in_result[k] && !(e->owner == j && e->k == k))
                violation("%s: k=%ld twice in one find result", who, k);
            in_result[k] = 1;
            e->owner = j;
            e->k = k;
            seen_handle[j][k] = h;
            check_contents(&r, j, k, h, who);
            if (k > created_after)
                violation("%s: k=%ld is found, but its owner had only started creating k=%ld", who, k, created_after);
            if (!stale && is_destroyable(k) && k < destroyed_before)
                violation("%s: k=%ld was destroyed before C_FindObjectsInit, yet it is found and readable (stale view)", who, k);
        }
        read_turn[j] += KEPT_READS_PER_FIND;
        if (read_turn[j] >= created_before)
            read_turn[j] = 0;
        /* Every kept object created before the find began must be in it (a destroyable one may be gone). */
        for (long k = 0; k < created_before; k++)
            if (!is_destroyable(k) && !in_result[k])
                violation("%s: kept k=%ld was created before C_FindObjectsInit, but the find (%lu handles) misses it (stale view or lost object)",
                          who, k, (unsigned long)n);
        free(found);
    }
    free(in_result);
}

static void wait_for_go(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/ready.%d", dir, me);
    int fd = open(path, O_WRONLY | O_CREAT, 0600);
    if (fd < 0)
        fail(2, "create %s: %s", path, strerror(errno));
    close(fd);
    snprintf(path, sizeof path, "%s/go", dir);
    struct timespec pause = { 0, 2 * 1000 * 1000 };
    for (int i = 0; i < 30000; i++) { /* 60 s */
        if (access(path, F_OK) == 0)
            return;
        nanosleep(&pause, NULL);
    }
    fail(2, "worker %d: no %s after 60 s", me, path);
}

static void write_expected(const char *dir)
{
    char path[4096], tmp[4096];
    snprintf(path, sizeof path, "%s/expected.%d", dir, me);
    snprintf(tmp, sizeof tmp, "%s/expected.%d.tmp", dir, me);
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        fail(2, "fopen %s: %s", tmp, strerror(errno));
    for (long k = 0; k < own_created; k++) {
        if (!own_alive[k])
            continue;
        char label[64];
        unsigned char value[128];
        label_of(me, k, label, sizeof label);
        size_t len = value_of(me, k, value);
        fprintf(f, "%s %d ", label, is_private(k));
        for (size_t i = 0; i < len; i++)
            fprintf(f, "%02x", value[i]);
        fputc('\n', f);
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        fail(2, "write %s: %s", path, strerror(errno));
}

static void destroy_own(CK_SESSION_HANDLE s, long k)
{
    CK_RV rv = p11->C_DestroyObject(s, own_handle[k]);
    if (rv != CKR_OK)
        fail(4, "worker %d: C_DestroyObject(k=%ld, handle %lu): %s (0x%lx)", me, k, (unsigned long)own_handle[k], rv_name(rv),
             (unsigned long)rv);
    own_alive[k] = 0;
    own_live--;
    map_get(own_handle[k], 1)->dead = 1;
    publish(&shared->destroyed[me], k + 1);
}

static int worker(const char *token, const char *pin, const char *dir, int workers, long rounds)
{
    long max_objects = rounds * OBJECTS_PER_ROUND;
    own_handle = calloc((size_t)max_objects, sizeof *own_handle);
    own_alive = calloc((size_t)max_objects, 1);
    for (int j = 0; j < workers; j++)
        seen_handle[j] = calloc((size_t)max_objects, sizeof **seen_handle);
    for (map_size = 1024; map_size < (size_t)max_objects * workers * 4; map_size *= 2)
        ;
    map = calloc(map_size, sizeof *map);
    if (own_handle == NULL || own_alive == NULL || map == NULL)
        fail(2, "out of memory");
    open_progress(dir);

    CK_SESSION_HANDLE s = login_session(token, pin, 1);
    wait_for_go(dir);

    for (long r = 0; r < rounds; r++) {
        for (int i = 0; i < OBJECTS_PER_ROUND; i++) {
            long k = r * OBJECTS_PER_ROUND + i;
            CK_OBJECT_HANDLE h = create_object(s, me, k);
            struct slot_entry *e = map_get(h, 1);
            if (e->owner != -1 || e->k != -1 || e->dead)
                violation("C_CreateObject(k=%ld) returned handle %lu, already used for worker %d's k=%ld", k, (unsigned long)h,
                          e->owner, e->k);
            e->owner = me;
            e->k = k;
            e->dead = 0;
            own_handle[k] = h;
            own_alive[k] = 1;
            own_created = k + 1;
            own_live++;
            publish(&shared->created[me], own_created);
        }
        if (r > 0)
            for (long k = (r - 1) * OBJECTS_PER_ROUND; k < r * OBJECTS_PER_ROUND; k++)
                if (is_destroyable(k))
                    destroy_own(s, k);
        char when[32];
        snprintf(when, sizeof when, "round %ld", r);
        verify_own(s, (r % 5 == 4) ? 0 : r * OBJECTS_PER_ROUND, when);
        observe_others(s, workers, max_objects);
    }
    for (long k = (rounds - 1) * OBJECTS_PER_ROUND; k < own_created; k++)
        if (is_destroyable(k))
            destroy_own(s, k);
    verify_own(s, 0, "final");
    write_expected(dir);
    observe_others(s, workers, max_objects);

    check(p11->C_Logout(s), "C_Logout", 4);
    check(p11->C_CloseSession(s), "C_CloseSession", 4);
    check(p11->C_Finalize(NULL), "C_Finalize", 4);
    if (violations) {
        fprintf(stderr, "worker %d: %ld violation(s)\n", me, violations);
        return 5;
    }
    printf("worker %d: ok: %ld rounds, %ld created, %ld destroyed, %ld kept; %ld finds, %ld reads of others' objects, "
           "%ld found just destroyed by their owner\n",
           me, rounds, own_created, own_created - own_live, own_live, finds, foreign_reads, foreign_gone);
    return 0;
}

/* ---- checker ---- */

struct expected {
    char label[64];
    int priv;
    unsigned char value[128];
    size_t value_len;
    int seen;
};

static int hexval(int c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; }

/* The workers' expected files. Each must be exactly the set its worker was meant to keep (every k that is
 * not destroyable, with its value): a worker that lost track of its own objects shows up here. */
static struct expected *load_expected(const char *dir, int workers, long rounds, long *count)
{
    long cap = 1024, n = 0, max_objects = rounds * OBJECTS_PER_ROUND;
    struct expected *all = malloc((size_t)cap * sizeof *all);
    unsigned char *listed = malloc((size_t)max_objects);
    if (all == NULL || listed == NULL)
        fail(2, "out of memory");
    for (int w = 0; w < workers; w++) {
        char path[4096], line[512];
        snprintf(path, sizeof path, "%s/expected.%d", dir, w);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            fail(2, "check: no %s: %s", path, strerror(errno));
        memset(listed, 0, (size_t)max_objects);
        for (long lines = 1; fgets(line, sizeof line, f); lines++) {
            if (n == cap && (all = realloc(all, (size_t)(cap *= 2) * sizeof *all)) == NULL)
                fail(2, "out of memory");
            struct expected *e = &all[n];
            char hex[300];
            if (sscanf(line, "%63s %d %299s", e->label, &e->priv, hex) != 3 || strlen(hex) % 2 != 0 || strlen(hex) / 2 > sizeof e->value)
                fail(2, "check: %s: malformed line %ld: %s", path, lines, line);
            e->value_len = strlen(hex) / 2;
            for (size_t i = 0; i < e->value_len; i++) {
                int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
                if (hi < 0 || lo < 0)
                    fail(2, "check: %s: malformed value on line %ld", path, lines);
                e->value[i] = (unsigned char)(hi * 16 + lo);
            }
            e->seen = 0;
            int o;
            long k;
            unsigned char want[128];
            if (parse_label(e->label, strlen(e->label), &o, &k) != 0 || o != w || k >= max_objects || is_destroyable(k)) {
                violation("%s: line %ld: '%s' is not an object worker %d should keep", path, lines, e->label, w);
                continue;
            }
            if (listed[k]++) {
                violation("%s: line %ld: '%s' is listed twice", path, lines, e->label);
                continue;
            }
            if (e->priv != is_private(k) || e->value_len != value_of(w, k, want) || memcmp(e->value, want, e->value_len) != 0)
                violation("%s: line %ld: '%s' has the wrong CKA_PRIVATE or value", path, lines, e->label);
            n++;
        }
        fclose(f);
        for (long k = 0; k < max_objects; k++)
            if (!is_destroyable(k) && !listed[k])
                violation("%s: kept object k=%ld is missing", path, k);
    }
    free(listed);
    *count = n;
    return all;
}

/* Lists every object the session sees; it must be exactly the expected objects with want_private or public. */
static long check_listing(CK_SESSION_HANDLE s, struct expected *exp, long nexp, int logged_in, int workers, long max_objects,
                          long **index_of)
{
    const char *who = logged_in ? "after login" : "without login";
    for (long i = 0; i < nexp; i++)
        exp[i].seen = 0;
    CK_ULONG n = 0;
    CK_OBJECT_HANDLE *found = find_all(s, NULL, 0, &n, who);
    for (CK_ULONG i = 0; i < n; i++) {
        struct read_back r;
        CK_RV rv = read_object(s, found[i], &r);
        if (rv != CKR_OK) {
            violation("%s: C_GetAttributeValue on handle %lu: %s", who, (unsigned long)found[i], rv_name(rv));
            continue;
        }
        int o = -1;
        long k = -1, at = -1;
        if (parse_label(r.label, r.label_len, &o, &k) == 0 && o < workers && k < max_objects)
            at = index_of[o][k];
        if (at < 0) {
            violation("%s: handle %lu ('%s') is in no worker's expected set (extra object)", who, (unsigned long)found[i], r.label);
            continue;
        }
        if (exp[at].seen++)
            violation("%s: '%s' is listed twice (handle %lu)", who, r.label, (unsigned long)found[i]);
        if (!logged_in && exp[at].priv)
            violation("%s: private object '%s' is visible", who, r.label);
        if (r.value_len != exp[at].value_len || memcmp(r.value, exp[at].value, r.value_len) != 0)
            violation("%s: '%s' holds another value than its worker wrote", who, r.label);
        check_contents(&r, o, k, found[i], who);
    }
    for (long i = 0; i < nexp; i++)
        if (!exp[i].seen && (logged_in || !exp[i].priv))
            violation("%s: '%s' is missing (lost update)", who, exp[i].label);
    free(found);
    return (long)n;
}

static int checker(const char *token, const char *pin, const char *dir, int workers, long rounds)
{
    long nexp = 0, npublic = 0;
    struct expected *exp = load_expected(dir, workers, rounds, &nexp);
    long max_objects = rounds * OBJECTS_PER_ROUND;
    long *index_of[MAX_WORKERS]; /* owner, k -> its line in exp, or -1 */
    for (int w = 0; w < workers; w++) {
        index_of[w] = malloc((size_t)max_objects * sizeof **index_of);
        if (index_of[w] == NULL)
            fail(2, "out of memory");
        for (long k = 0; k < max_objects; k++)
            index_of[w][k] = -1;
    }
    for (long i = 0; i < nexp; i++) {
        npublic += !exp[i].priv;
        int o;
        long k;
        if (parse_label(exp[i].label, strlen(exp[i].label), &o, &k) == 0 && o < workers && k < max_objects)
            index_of[o][k] = i;
    }
    CK_SESSION_HANDLE s = login_session(token, pin, 0);
    long seen_public = check_listing(s, exp, nexp, 0, workers, max_objects, index_of);
    check(p11->C_Login(s, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin)), "C_Login", 4);
    long seen_all = check_listing(s, exp, nexp, 1, workers, max_objects, index_of);
    check(p11->C_Logout(s), "C_Logout", 4);
    check(p11->C_CloseSession(s), "C_CloseSession", 4);
    check(p11->C_Finalize(NULL), "C_Finalize", 4);
    if (violations) {
        fprintf(stderr, "check: %ld violation(s)\n", violations);
        return 5;
    }
    printf("check: ok: %ld objects after login, %ld without, exactly the union of %d workers' expected sets "
           "(%ld objects, %ld public)\n", seen_all, seen_public, workers, nexp, npublic);
    return 0;
}

int main(int argc, char **argv)
{
    const char *usage = "usage: multiproc <module.so> worker <token> <pin> <dir> <index> <workers> <rounds> <timeout-s>\n"
                        "       multiproc <module.so> check <token> <pin> <dir> <workers> <rounds> <timeout-s>";
    if (argc < 3)
        fail(2, "%s", usage);
    int is_worker = strcmp(argv[2], "worker") == 0;
    if (!(is_worker && argc == 10) && !(strcmp(argv[2], "check") == 0 && argc == 9))
        fail(2, "%s", usage);
    const char *module = argv[1], *token = argv[3], *pin = argv[4], *dir = argv[5];
    int workers = atoi(argv[is_worker ? 7 : 6]);
    long rounds = atol(argv[is_worker ? 8 : 7]);
    int timeout = atoi(argv[is_worker ? 9 : 8]);
    if (is_worker)
        me = atoi(argv[6]);
    if (workers < 1 || workers > MAX_WORKERS || rounds < 1 || timeout < 1 || (is_worker && (me < 0 || me >= workers)))
        fail(2, "%s", usage);
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGALRM, on_alarm);
    alarm((unsigned)timeout);

    load_module(module, &p11);
    check(initialize(p11), "C_Initialize", 4);
    return is_worker ? worker(token, pin, dir, workers, rounds) : checker(token, pin, dir, workers, rounds);
}
