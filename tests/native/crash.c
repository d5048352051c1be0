/*
 * crash write|check objects|pin|init <journal> <token-label> <user-pin> <so-pin>
 *
 * Crash safety (issue 5): a writer changes a token as fast as it can and is killed with SIGKILL at a
 * random moment by tests/scripts/crash-safety.sh; a checker then opens the token in a fresh process and
 * compares it with the writer's journal. The module is the one named by CLOUDHSM_PKCS11_LIB.
 *
 * The journal (a text file, one record a line, each line one write(2) followed by fsync):
 *
 *   B <seq> <op…>      the writer is about to make the call (intent)
 *   A <seq> <op…>      the call returned CKR_OK: an acknowledged change, written before the next call
 *   F <seq> <CKR_…>    the call failed (the writer then stops: that is a test failure by itself)
 *   R <seq> applied|absent   the checker's verdict on an op that was in flight when the writer died
 *   M <gen> <hex>      init mode: the checker left a marker object in token generation <gen>
 *
 *   <op…> = create <id> <private 0|1> <value-hex> | modify <id> <new-label> | destroy <id>
 *         | setpin <new-pin> | inittoken <new-label>
 *
 * Replaying A and R-applied records gives the state the token must have. At most one op is in flight
 * (a B with no A/F/R after it): the call may or may not have taken effect before the kill, so the
 * token must equal the replayed state, or the replayed state plus that one op, nothing else. The
 * checker appends its verdict (R) so the next writer starts from the token's real state. A trailing
 * line without its newline was cut by the kill and is ignored (it is the in-flight op's A at worst).
 *
 * Modes:
 *   objects  writer: logs in as user and loops: create a token data object labelled "crash-<n>" (its id;
 *            CKA_PRIVATE random, random CKA_VALUE of 1..64 bytes); modify a random one, i.e.
 *            C_SetAttributeValue(CKA_LABEL "<id>.<seq>") — CKA_VALUE of a data object is read-only here
 *            (PKCS#11 §4.4 lets only CKA_LABEL change), and a new label rewrites and re-seals the row just
 *            the same; destroy a random one.
 *            checker: C_Initialize/C_OpenSession/C_Login work; the crash-* objects (CKA_LABEL, CKA_PRIVATE,
 *            CKA_VALUE), found with C_FindObjects after login, equal the journal's; before login the
 *            public ones, and only those, are visible, with the same values; no id twice.
 *   pin      writer: logs in as user and loops C_SetPIN(current, "upin-<seq>").
 *            checker: the user PIN is exactly the journaled one or the in-flight new one (the other one
 *            and the one before are CKR_PIN_INCORRECT); the private marker object still opens under
 *            it (same token key); the SO PIN still works.
 *   init     writer: loops C_InitToken(SO PIN, label "gen-<seq>") on the token.
 *            checker: exactly one initialised token, labelled as journaled or as in flight; SO login
 *            works; C_GetTokenInfo sane. If the label is the generation of the checker's last marker,
 *            the user PIN and both marker objects (private and public) must still be there untouched;
 *            otherwise (re-initialised) there must be no user PIN and no object at all; then C_InitPIN,
 *            user login, and new markers must work.
 *
 * Exit codes: 0 ok; 1 check failed / a writer call failed (message on stderr); 2 usage, set-up or a
 * journal that does not replay; 3 timeout (alarm). The checker appends its verdict (R) only when all is well.
 */
#include "p11util.h" /* first: it defines _GNU_SOURCE */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/random.h>
#include <unistd.h>

#define LABEL_MAX 64
#define HEX_MAX 160 /* values are 1..64 bytes */
#define WRITER_ALARM_SECONDS 60
#define CHECKER_ALARM_SECONDS 60

enum op_kind { OP_NONE, OP_CREATE, OP_MODIFY, OP_DESTROY, OP_SETPIN, OP_INITTOKEN };
static const char *op_names[] = { "none", "create", "modify", "destroy", "setpin", "inittoken" };

struct op {
    long seq;
    enum op_kind kind;
    char label[LABEL_MAX]; /* object id (its first label), new PIN or new token label */
    char new_label[LABEL_MAX]; /* modify: the object's new CKA_LABEL */
    int priv;
    char hex[HEX_MAX];
};

struct object {
    char id[LABEL_MAX]; /* "crash-<n>": its label at creation, the label's part before any '.' */
    char label[LABEL_MAX];
    int priv;
    char hex[HEX_MAX];
    long seq; /* last op that touched it */
    CK_OBJECT_HANDLE handle;
};

struct state {
    struct object *objects;
    size_t count, cap;
    char pin[LABEL_MAX], prev_pin[LABEL_MAX]; /* "" = the initial one from the command line */
    char token_label[LABEL_MAX];
    char marker_gen[LABEL_MAX], marker_hex[HEX_MAX];
    long next_seq, next_n, acked, resolved_applied, resolved_absent;
    struct op pending; /* kind OP_NONE: nothing in flight */
};

static const char *journal_path;

/* ---------------------------------------------------------------- journal */

static int parse_op(const char *text, struct op *op)
{
    char kind[16];
    int used = 0;
    memset(op, 0, sizeof *op);
    if (sscanf(text, "%15s %n", kind, &used) != 1)
        return -1;
    text += used;
    if (strcmp(kind, "create") == 0) {
        op->kind = OP_CREATE;
        return sscanf(text, "%63s %d %159s", op->label, &op->priv, op->hex) == 3 ? 0 : -1;
    }
    if (strcmp(kind, "modify") == 0) {
        op->kind = OP_MODIFY;
        return sscanf(text, "%63s %63s", op->label, op->new_label) == 2 ? 0 : -1;
    }
    if (strcmp(kind, "destroy") == 0) {
        op->kind = OP_DESTROY;
        return sscanf(text, "%63s", op->label) == 1 ? 0 : -1;
    }
    if (strcmp(kind, "setpin") == 0) {
        op->kind = OP_SETPIN;
        return sscanf(text, "%63s", op->label) == 1 ? 0 : -1;
    }
    if (strcmp(kind, "inittoken") == 0) {
        op->kind = OP_INITTOKEN;
        return sscanf(text, "%63s", op->label) == 1 ? 0 : -1;
    }
    return -1;
}

static void format_op(const struct op *op, char *buf, size_t size)
{
    switch (op->kind) {
    case OP_CREATE: snprintf(buf, size, "create %s %d %s", op->label, op->priv, op->hex); break;
    case OP_MODIFY: snprintf(buf, size, "modify %s %s", op->label, op->new_label); break;
    default: snprintf(buf, size, "%s %s", op_names[op->kind], op->label); break;
    }
}

static struct object *find_object(struct state *st, const char *id)
{
    for (size_t i = 0; i < st->count; i++)
        if (strcmp(st->objects[i].id, id) == 0)
            return &st->objects[i];
    return NULL;
}

/* Applies op to st; returns an error text if it does not apply (a journal that contradicts itself). */
static const char *apply(struct state *st, const struct op *op)
{
    struct object *o;
    switch (op->kind) {
    case OP_CREATE:
        if (find_object(st, op->label))
            return "create of a label that exists";
        if (st->count == st->cap) {
            st->cap = st->cap ? st->cap * 2 : 64;
            st->objects = realloc(st->objects, st->cap * sizeof *st->objects);
            if (st->objects == NULL)
                return "out of memory";
        }
        o = &st->objects[st->count++];
        memset(o, 0, sizeof *o);
        snprintf(o->id, sizeof o->id, "%s", op->label);
        snprintf(o->label, sizeof o->label, "%s", op->label);
        snprintf(o->hex, sizeof o->hex, "%s", op->hex);
        o->priv = op->priv;
        o->seq = op->seq;
        break;
    case OP_MODIFY:
        if ((o = find_object(st, op->label)) == NULL)
            return "modify of an object that does not exist";
        snprintf(o->label, sizeof o->label, "%s", op->new_label);
        o->seq = op->seq;
        break;
    case OP_DESTROY:
        if ((o = find_object(st, op->label)) == NULL)
            return "destroy of a label that does not exist";
        *o = st->objects[--st->count];
        break;
    case OP_SETPIN:
        snprintf(st->prev_pin, sizeof st->prev_pin, "%s", st->pin);
        snprintf(st->pin, sizeof st->pin, "%s", op->label);
        break;
    case OP_INITTOKEN:
        snprintf(st->token_label, sizeof st->token_label, "%s", op->label);
        break;
    default:
        return "unknown op";
    }
    return NULL;
}

static void replay(const char *path, struct state *st)
{
    memset(st, 0, sizeof *st);
    st->next_seq = 1;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        if (errno == ENOENT)
            return;
        fail(2, "journal %s: %s", path, strerror(errno));
    }
    char line[1024];
    long lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == 0 || line[len - 1] != '\n')
            break; /* cut by the kill: never completed, so never relied upon */
        line[len - 1] = 0;
        char tag = 0;
        long seq = 0;
        int used = 0;
        if (sscanf(line, "%c %n", &tag, &used) != 1)
            fail(2, "journal %s:%ld: unreadable line '%s'", path, lineno, line);
        const char *rest = line + used;
        if (tag == 'M') {
            if (sscanf(rest, "%63s %159s", st->marker_gen, st->marker_hex) != 2)
                fail(2, "journal %s:%ld: bad marker line '%s'", path, lineno, line);
            continue;
        }
        if (sscanf(rest, "%ld %n", &seq, &used) != 1)
            fail(2, "journal %s:%ld: no sequence number in '%s'", path, lineno, line);
        rest += used;
        if (tag == 'B') {
            if (st->pending.kind != OP_NONE)
                fail(2, "journal %s:%ld: op %ld begins while op %ld is unresolved", path, lineno, seq, st->pending.seq);
            if (parse_op(rest, &st->pending) != 0)
                fail(2, "journal %s:%ld: bad op '%s'", path, lineno, line);
            st->pending.seq = seq;
            if (seq >= st->next_seq)
                st->next_seq = seq + 1;
            if (st->pending.kind == OP_CREATE) {
                long n = atol(st->pending.label + strlen("crash-"));
                if (n >= st->next_n)
                    st->next_n = n + 1;
            }
            continue;
        }
        if (st->pending.kind == OP_NONE || st->pending.seq != seq)
            fail(2, "journal %s:%ld: '%s' matches no op in flight", path, lineno, line);
        const char *err = NULL;
        if (tag == 'A') {
            struct op acked;
            if (parse_op(rest, &acked) != 0 || acked.kind != st->pending.kind || strcmp(acked.label, st->pending.label) != 0)
                fail(2, "journal %s:%ld: acknowledgement '%s' differs from its intent", path, lineno, line);
            err = apply(st, &st->pending);
            st->acked++;
        } else if (tag == 'R' && strcmp(rest, "applied") == 0) {
            err = apply(st, &st->pending);
            st->resolved_applied++;
        } else if (tag == 'R' && strcmp(rest, "absent") == 0) {
            st->resolved_absent++;
        } else if (tag != 'F') {
            fail(2, "journal %s:%ld: unknown record '%s'", path, lineno, line);
        }
        if (err)
            fail(2, "journal %s:%ld: %s: '%s'", path, lineno, err, line);
        st->pending.kind = OP_NONE;
    }
    fclose(f);
}

static int journal_fd = -1;

static void journal_open(void)
{
    if (journal_fd >= 0)
        return;
    journal_fd = open(journal_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (journal_fd < 0)
        fail(2, "journal %s: %s", journal_path, strerror(errno));
}

/* One line, one write(2), then fsync: on return the record is durable. */
static void journal(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= (int)sizeof buf - 1)
        fail(2, "journal record too long");
    buf[n++] = '\n';
    if (write(journal_fd, buf, n) != n)
        fail(2, "journal write: %s", strerror(errno));
    if (fsync(journal_fd) != 0)
        fail(2, "journal fsync: %s", strerror(errno));
}

/* ---------------------------------------------------------------- helpers */

static void random_bytes(void *buf, size_t n)
{
    if (getrandom(buf, n, 0) != (ssize_t)n)
        fail(2, "getrandom failed");
}

static unsigned rnd(unsigned below)
{
    unsigned r;
    random_bytes(&r, sizeof r);
    return r % below;
}

static void to_hex(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
    out[2 * n] = 0;
}

static size_t from_hex(const char *hex, unsigned char *out)
{
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (unsigned char)v;
    }
    return n;
}

static void random_hex(char *hex)
{
    unsigned char b[64];
    size_t n = 1 + rnd(sizeof b);
    random_bytes(b, n);
    to_hex(b, n, hex);
}

static CK_FUNCTION_LIST_PTR p11;

static void load(int code)
{
    const char *module = getenv("CLOUDHSM_PKCS11_LIB");
    if (module == NULL || *module == 0)
        fail(2, "CLOUDHSM_PKCS11_LIB is not set");
    load_module(module, &p11);
    check(initialize(p11), "C_Initialize", code);
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "crash: timeout\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    _exit(3);
}

/* All data objects the session sees whose label starts with "crash-"; handles and labels in objs. */
struct found {
    struct object *objects;
    size_t count;
};

static CK_RV get_bytes(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type, unsigned char *buf, CK_ULONG *len)
{
    CK_ATTRIBUTE a = { type, NULL, 0 };
    CK_RV rv = p11->C_GetAttributeValue(s, h, &a, 1);
    if (rv != CKR_OK)
        return rv;
    if (a.ulValueLen > *len)
        return CKR_BUFFER_TOO_SMALL;
    a.pValue = buf;
    rv = p11->C_GetAttributeValue(s, h, &a, 1);
    *len = a.ulValueLen;
    return rv;
}

static struct found list_objects(CK_SESSION_HANDLE s, const char *prefix, const char *when)
{
    struct found f = { NULL, 0 };
    size_t cap = 0;
    CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &data_class, sizeof data_class } };
    check(p11->C_FindObjectsInit(s, tmpl, 1), "C_FindObjectsInit", 1);
    CK_OBJECT_HANDLE hs[32];
    CK_ULONG n = 0;
    do {
        check(p11->C_FindObjects(s, hs, 32, &n), "C_FindObjects", 1);
        for (CK_ULONG i = 0; i < n; i++) {
            unsigned char buf[256];
            CK_ULONG len = sizeof buf - 1;
            CK_RV rv = get_bytes(s, hs[i], CKA_LABEL, buf, &len);
            if (rv != CKR_OK)
                fail(1, "%s: C_GetAttributeValue(CKA_LABEL) of object %lu: %s", when, (unsigned long)hs[i], rv_name(rv));
            buf[len] = 0;
            if (strncmp((char *)buf, prefix, strlen(prefix)) != 0)
                continue;
            if (f.count == cap) {
                cap = cap ? cap * 2 : 64;
                f.objects = realloc(f.objects, cap * sizeof *f.objects);
                if (f.objects == NULL)
                    fail(2, "out of memory");
            }
            struct object *o = &f.objects[f.count++];
            memset(o, 0, sizeof *o);
            if (len >= sizeof o->label)
                fail(1, "%s: a %lu-byte label starting with %s", when, (unsigned long)len, prefix);
            memcpy(o->label, buf, len + 1);
            memcpy(o->id, buf, len + 1);
            o->id[strcspn(o->id, ".")] = 0;
            o->handle = hs[i];
        }
    } while (n > 0);
    check(p11->C_FindObjectsFinal(s), "C_FindObjectsFinal", 1);
    for (size_t i = 0; i < f.count; i++) {
        struct object *o = &f.objects[i];
        unsigned char value[256];
        CK_ULONG len = sizeof value;
        CK_RV rv = get_bytes(s, o->handle, CKA_VALUE, value, &len);
        if (rv != CKR_OK)
            fail(1, "%s: C_GetAttributeValue(CKA_VALUE) of %s: %s", when, o->label, rv_name(rv));
        if (len > 64)
            fail(1, "%s: %s has a %lu-byte CKA_VALUE; the writer never writes more than 64", when, o->label, (unsigned long)len);
        to_hex(value, len, o->hex);
        CK_BBOOL priv = CK_FALSE;
        CK_ATTRIBUTE a = { CKA_PRIVATE, &priv, sizeof priv };
        rv = p11->C_GetAttributeValue(s, o->handle, &a, 1);
        if (rv != CKR_OK)
            fail(1, "%s: C_GetAttributeValue(CKA_PRIVATE) of %s: %s", when, o->label, rv_name(rv));
        o->priv = priv ? 1 : 0;
        for (size_t j = 0; j < i; j++)
            if (strcmp(f.objects[j].id, o->id) == 0)
                fail(1, "%s: two objects of id %s on the token: %s and %s", when, o->id, f.objects[j].label, o->label);
    }
    return f;
}

static CK_SLOT_ID slot_of(const char *label, int code) { return find_slot(p11, label, code); }

static CK_SESSION_HANDLE open_rw(CK_SLOT_ID slot, int code)
{
    CK_SESSION_HANDLE s = 0;
    check(p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), "C_OpenSession", code);
    return s;
}

static CK_RV login(CK_SESSION_HANDLE s, CK_USER_TYPE who, const char *pin)
{
    return p11->C_Login(s, who, (CK_UTF8CHAR *)pin, strlen(pin));
}

/* ---------------------------------------------------------------- writers */

/* Begins op (journal B), returns; the caller makes the call and passes its rv to end(). */
static void begin(struct op *op)
{
    char text[400];
    format_op(op, text, sizeof text);
    journal("B %ld %s", op->seq, text);
}

static void end(struct op *op, CK_RV rv, const char *call)
{
    char text[400];
    if (rv != CKR_OK) {
        journal("F %ld %s", op->seq, rv_name(rv));
        fail(1, "writer: %s (op %ld) returned %s (0x%lx)", call, op->seq, rv_name(rv), (unsigned long)rv);
    }
    format_op(op, text, sizeof text);
    journal("A %ld %s", op->seq, text);
}

static void write_objects(struct state *st, const char *token, const char *pin)
{
    CK_SLOT_ID slot = slot_of(token, 2);
    CK_SESSION_HANDLE s = open_rw(slot, 2);
    check(login(s, CKU_USER, pin), "C_Login", 2);
    struct found f = list_objects(s, "crash-", "writer start");
    if (f.count != st->count)
        fail(2, "writer: the token has %zu crash-* objects, the journal %zu: run the checker first", f.count, st->count);
    for (size_t i = 0; i < f.count; i++) {
        struct object *o = find_object(st, f.objects[i].id);
        if (o == NULL)
            fail(2, "writer: %s is on the token but not in the journal: run the checker first", f.objects[i].label);
        o->handle = f.objects[i].handle;
    }
    free(f.objects);
    for (;;) {
        struct op op;
        memset(&op, 0, sizeof op);
        op.seq = st->next_seq++;
        unsigned r = rnd(100);
        unsigned create_pct = st->count < 10 ? 70 : st->count > 40 ? 15 : 34;
        if (st->count == 0 || r < create_pct) {
            op.kind = OP_CREATE;
            snprintf(op.label, sizeof op.label, "crash-%ld", st->next_n++);
            op.priv = (int)rnd(2);
            random_hex(op.hex);
            unsigned char value[64];
            CK_ULONG len = from_hex(op.hex, value);
            CK_BBOOL priv = op.priv ? CK_TRUE : CK_FALSE;
            CK_ATTRIBUTE tmpl[] = {
                { CKA_CLASS, &data_class, sizeof data_class },
                { CKA_TOKEN, &ck_true, sizeof ck_true },
                { CKA_PRIVATE, &priv, sizeof priv },
                { CKA_LABEL, op.label, strlen(op.label) },
                { CKA_VALUE, value, len },
            };
            CK_OBJECT_HANDLE h = 0;
            begin(&op);
            end(&op, p11->C_CreateObject(s, tmpl, 5, &h), "C_CreateObject");
            apply(st, &op);
            find_object(st, op.label)->handle = h;
        } else {
            struct object *o = &st->objects[rnd((unsigned)st->count)];
            snprintf(op.label, sizeof op.label, "%s", o->id);
            if (r < create_pct + (100 - create_pct) / 2) {
                /* CKA_VALUE of a data object is read-only (PKCS#11 §4.4: "Only the CKA_LABEL attribute can be
                   modified after the object is created"; this token answers CKR_ATTRIBUTE_READ_ONLY): the
                   modification is a new CKA_LABEL, "<id>.<seq>", which rewrites (and re-seals) the row. */
                op.kind = OP_MODIFY;
                snprintf(op.new_label, sizeof op.new_label, "%.40s.%ld", o->id, op.seq);
                CK_ATTRIBUTE a = { CKA_LABEL, op.new_label, strlen(op.new_label) };
                begin(&op);
                end(&op, p11->C_SetAttributeValue(s, o->handle, &a, 1), "C_SetAttributeValue");
            } else {
                op.kind = OP_DESTROY;
                begin(&op);
                end(&op, p11->C_DestroyObject(s, o->handle), "C_DestroyObject");
            }
            apply(st, &op);
        }
    }
}

static void write_pin(struct state *st, const char *token, const char *initial_pin)
{
    char current[LABEL_MAX];
    snprintf(current, sizeof current, "%s", st->pin[0] ? st->pin : initial_pin);
    CK_SLOT_ID slot = slot_of(token, 2);
    CK_SESSION_HANDLE s = open_rw(slot, 2);
    check(login(s, CKU_USER, current), "C_Login", 2);
    for (;;) {
        struct op op;
        memset(&op, 0, sizeof op);
        op.seq = st->next_seq++;
        op.kind = OP_SETPIN;
        snprintf(op.label, sizeof op.label, "upin-%ld", op.seq);
        begin(&op);
        end(&op, p11->C_SetPIN(s, (CK_UTF8CHAR *)current, strlen(current), (CK_UTF8CHAR *)op.label, strlen(op.label)),
            "C_SetPIN");
        snprintf(current, sizeof current, "%s", op.label);
    }
}

static void pad_label(CK_UTF8CHAR out[32], const char *label)
{
    memset(out, ' ', 32);
    memcpy(out, label, strlen(label) < 32 ? strlen(label) : 32);
}

static void write_init(struct state *st, const char *initial_label, const char *so_pin)
{
    CK_SLOT_ID slot = slot_of(st->token_label[0] ? st->token_label : initial_label, 2);
    for (;;) {
        struct op op;
        memset(&op, 0, sizeof op);
        op.seq = st->next_seq++;
        op.kind = OP_INITTOKEN;
        snprintf(op.label, sizeof op.label, "gen-%ld", op.seq);
        CK_UTF8CHAR label[32];
        pad_label(label, op.label);
        begin(&op);
        end(&op, p11->C_InitToken(slot, (CK_UTF8CHAR *)so_pin, strlen(so_pin), label), "C_InitToken");
    }
}

/* ---------------------------------------------------------------- checkers */

static int diff_count;

static void differ(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("  ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    diff_count++;
}

/* Number of differences between the token (f) and the state st; printed when print is set. */
static int compare(const struct found *f, struct state *st, int print)
{
    int n = 0;
    for (size_t i = 0; i < st->count; i++) {
        struct object *want = &st->objects[i];
        struct object *got = NULL;
        for (size_t j = 0; j < f->count; j++)
            if (strcmp(f->objects[j].id, want->id) == 0)
                got = &f->objects[j];
        if (got == NULL) {
            n++;
            if (print)
                differ("missing: %s (label %s, private=%d, last acknowledged change: op %ld)", want->id, want->label, want->priv,
                       want->seq);
        } else {
            if (strcmp(got->label, want->label) != 0) {
                n++;
                if (print)
                    differ("%s: CKA_LABEL %s on the token, %s in the journal (op %ld)", want->id, got->label, want->label, want->seq);
            }
            if (got->priv != want->priv) {
                n++;
                if (print)
                    differ("%s: CKA_PRIVATE %d on the token, %d in the journal (op %ld)", want->id, got->priv, want->priv, want->seq);
            }
            if (strcmp(got->hex, want->hex) != 0) {
                n++;
                if (print)
                    differ("%s: CKA_VALUE %s on the token, %s in the journal (op %ld)", want->id, got->hex, want->hex, want->seq);
            }
        }
    }
    for (size_t j = 0; j < f->count; j++)
        if (find_object(st, f->objects[j].id) == NULL) {
            n++;
            if (print)
                differ("unexpected: %s (private=%d, value %s) is on the token, not in the journal", f->objects[j].label,
                       f->objects[j].priv, f->objects[j].hex);
        }
    return n;
}

static struct state copy_state(const struct state *st)
{
    struct state c = *st;
    c.cap = st->count + 1;
    c.objects = calloc(c.cap, sizeof *c.objects);
    if (c.objects == NULL)
        fail(2, "out of memory");
    memcpy(c.objects, st->objects, st->count * sizeof *st->objects);
    return c;
}

static void describe_pending(const struct state *st, char *buf, size_t size)
{
    if (st->pending.kind == OP_NONE) {
        snprintf(buf, size, "none");
        return;
    }
    char text[400];
    format_op(&st->pending, text, sizeof text);
    snprintf(buf, size, "op %ld %s", st->pending.seq, text);
}

static int check_objects(struct state *st, const char *token, const char *pin)
{
    CK_SLOT_ID slot = slot_of(token, 1);
    CK_SESSION_HANDLE s = open_rw(slot, 1);
    struct found pub = list_objects(s, "crash-", "before login");
    CK_RV rv = login(s, CKU_USER, pin);
    if (rv != CKR_OK)
        fail(1, "check: C_Login(USER) returned %s: the token does not open", rv_name(rv));
    struct found all = list_objects(s, "crash-", "after login");

    char pending[512];
    describe_pending(st, pending, sizeof pending);
    const char *verdict = NULL;
    struct state with = { 0 };
    if (compare(&all, st, 0) == 0) {
        verdict = "absent";
    } else if (st->pending.kind != OP_NONE) {
        with = copy_state(st);
        if (apply(&with, &st->pending) == NULL && compare(&all, &with, 0) == 0) {
            verdict = "applied";
        }
    }
    if (verdict == NULL) {
        fprintf(stderr, "check: the token's %zu crash-* objects differ from the journal's %zu (in flight: %s):\n",
                all.count, st->count, pending);
        compare(&all, st, 1);
        if (with.objects) {
            fprintf(stderr, "  and from the journal plus the in-flight op:\n");
            compare(&all, &with, 1);
        }
        return 1;
    }
    /* Before login: exactly the public objects, with the same values. */
    size_t publics = 0;
    for (size_t i = 0; i < all.count; i++)
        if (!all.objects[i].priv) {
            publics++;
            int seen = 0;
            for (size_t j = 0; j < pub.count; j++)
                if (strcmp(pub.objects[j].id, all.objects[i].id) == 0) {
                    seen = 1;
                    if (strcmp(pub.objects[j].hex, all.objects[i].hex) != 0 || strcmp(pub.objects[j].label, all.objects[i].label) != 0)
                        differ("%s: label %s value %s before login, %s %s after", all.objects[i].id, pub.objects[j].label,
                               pub.objects[j].hex, all.objects[i].label, all.objects[i].hex);
                }
            if (!seen)
                differ("public %s is not visible before login", all.objects[i].label);
        }
    if (pub.count != publics)
        differ("%zu crash-* objects visible before login, %zu public ones after", pub.count, publics);
    if (diff_count) {
        fprintf(stderr, "check: public view differs\n");
        return 1;
    }
    check(p11->C_Logout(s), "C_Logout", 1);
    check(p11->C_CloseSession(s), "C_CloseSession", 1);
    check(p11->C_Finalize(NULL), "C_Finalize", 1);
    if (st->pending.kind != OP_NONE) {
        journal_open();
        journal("R %ld %s", st->pending.seq, verdict);
    }
    printf("check objects: ok: %zu objects (%zu private), %ld ops acknowledged so far, in flight: %s%s%s\n",
           all.count, all.count - publics, st->acked, pending, st->pending.kind != OP_NONE ? " -> " : "",
           st->pending.kind != OP_NONE ? verdict : "");
    return 0;
}

static CK_OBJECT_HANDLE find_one(CK_SESSION_HANDLE s, const char *label, CK_ULONG *count)
{
    CK_ATTRIBUTE tmpl[] = { { CKA_LABEL, (void *)label, strlen(label) } };
    CK_OBJECT_HANDLE hs[4];
    check(p11->C_FindObjectsInit(s, tmpl, 1), "C_FindObjectsInit", 1);
    check(p11->C_FindObjects(s, hs, 4, count), "C_FindObjects", 1);
    check(p11->C_FindObjectsFinal(s), "C_FindObjectsFinal", 1);
    return *count ? hs[0] : 0;
}

/* The object labelled label exists once, with this CKA_VALUE and CKA_PRIVATE. */
static void expect_marker(CK_SESSION_HANDLE s, const char *label, const char *hex, int priv, const char *what)
{
    CK_ULONG n = 0;
    CK_OBJECT_HANDLE h = find_one(s, label, &n);
    if (n != 1)
        fail(1, "check: %s: %lu objects labelled %s, expected 1", what, (unsigned long)n, label);
    unsigned char value[256];
    CK_ULONG len = sizeof value;
    CK_RV rv = get_bytes(s, h, CKA_VALUE, value, &len);
    if (rv != CKR_OK)
        fail(1, "check: %s: C_GetAttributeValue(CKA_VALUE) of %s: %s", what, label, rv_name(rv));
    char got[2 * sizeof value + 1];
    to_hex(value, len, got);
    if (strcmp(got, hex) != 0)
        fail(1, "check: %s: %s has CKA_VALUE %s, expected %s", what, label, got, hex);
    CK_BBOOL p = CK_FALSE;
    CK_ATTRIBUTE a = { CKA_PRIVATE, &p, sizeof p };
    check(p11->C_GetAttributeValue(s, h, &a, 1), "C_GetAttributeValue(CKA_PRIVATE)", 1);
    if ((p ? 1 : 0) != priv)
        fail(1, "check: %s: %s has CKA_PRIVATE %d, expected %d", what, label, p ? 1 : 0, priv);
}

static void create_marker(CK_SESSION_HANDLE s, const char *label, int priv, char *hex)
{
    random_hex(hex);
    unsigned char value[64];
    CK_ULONG len = from_hex(hex, value);
    CK_ATTRIBUTE tmpl[] = {
        { CKA_CLASS, &data_class, sizeof data_class },
        { CKA_TOKEN, &ck_true, sizeof ck_true },
        { CKA_PRIVATE, priv ? &ck_true : &ck_false, sizeof ck_true },
        { CKA_LABEL, (void *)label, strlen(label) },
        { CKA_VALUE, value, len },
    };
    CK_OBJECT_HANDLE h;
    check(p11->C_CreateObject(s, tmpl, 5, &h), "check: C_CreateObject(marker)", 1);
}

static int check_pin(struct state *st, const char *token, const char *initial_pin, const char *so_pin)
{
    const char *want = st->pin[0] ? st->pin : initial_pin;
    const char *before = st->prev_pin[0] ? st->prev_pin : (st->pin[0] ? initial_pin : NULL);
    const char *flight = st->pending.kind == OP_SETPIN ? st->pending.label : NULL;
    CK_SLOT_ID slot = slot_of(token, 1);
    CK_SESSION_HANDLE s = open_rw(slot, 1);
    const char *verdict = NULL, *current = want;
    CK_RV rv = login(s, CKU_USER, want);
    if (rv == CKR_OK) {
        verdict = "absent";
        if (flight) {
            check(p11->C_Logout(s), "C_Logout", 1);
            rv = login(s, CKU_USER, flight);
            if (rv != CKR_PIN_INCORRECT)
                fail(1, "check: both the journaled PIN %s and the in-flight %s are answered (%s for the latter)", want, flight, rv_name(rv));
            check(login(s, CKU_USER, want), "C_Login(journaled PIN) again", 1);
        }
    } else if (rv == CKR_PIN_INCORRECT && flight) {
        rv = login(s, CKU_USER, flight);
        if (rv != CKR_OK)
            fail(1, "check: the token accepts neither the journaled user PIN %s nor the in-flight %s (%s)", want, flight, rv_name(rv));
        verdict = "applied";
        current = flight;
    } else {
        fail(1, "check: C_Login(USER) with the journaled PIN %s returned %s (nothing in flight)", want, rv_name(rv));
    }
    if (!st->marker_gen[0]) {
        create_marker(s, "pin-marker", 1, st->marker_hex);
        journal_open();
        journal("M pin %s", st->marker_hex);
    }
    expect_marker(s, "pin-marker", st->marker_hex, 1, "after login with the current PIN");
    check(p11->C_Logout(s), "C_Logout", 1);
    /* The PIN before the journaled one (or the journaled one, if the in-flight change took) is refused. */
    const char *old = strcmp(verdict, "applied") == 0 ? want : before;
    if (old && strcmp(old, current) != 0) {
        rv = login(s, CKU_USER, old);
        if (rv != CKR_PIN_INCORRECT)
            fail(1, "check: the superseded user PIN %s is answered with %s, expected CKR_PIN_INCORRECT", old, rv_name(rv));
        check(login(s, CKU_USER, current), "C_Login(current PIN) after a wrong one", 1);
        check(p11->C_Logout(s), "C_Logout", 1);
    }
    rv = login(s, CKU_SO, so_pin);
    if (rv != CKR_OK)
        fail(1, "check: C_Login(SO) returned %s", rv_name(rv));
    check(p11->C_Logout(s), "C_Logout", 1);
    CK_TOKEN_INFO info;
    check(p11->C_GetTokenInfo(slot, &info), "C_GetTokenInfo", 1);
    if (!(info.flags & CKF_USER_PIN_INITIALIZED) || (info.flags & (CKF_USER_PIN_LOCKED | CKF_SO_PIN_LOCKED)))
        fail(1, "check: token flags 0x%lx: user PIN not initialised or a PIN locked", (unsigned long)info.flags);
    check(p11->C_CloseSession(s), "C_CloseSession", 1);
    check(p11->C_Finalize(NULL), "C_Finalize", 1);
    char pending[512];
    describe_pending(st, pending, sizeof pending);
    if (flight) {
        journal_open();
        journal("R %ld %s", st->pending.seq, verdict);
    }
    printf("check pin: ok: user PIN %s, %ld changes acknowledged so far, in flight: %s%s%s\n", current, st->acked, pending,
           flight ? " -> " : "", flight ? verdict : "");
    return 0;
}

static int check_init(struct state *st, const char *initial_label, const char *user_pin, const char *so_pin)
{
    const char *want = st->token_label[0] ? st->token_label : initial_label;
    const char *flight = st->pending.kind == OP_INITTOKEN ? st->pending.label : NULL;
    CK_ULONG count = 0;
    check(p11->C_GetSlotList(CK_TRUE, NULL, &count), "C_GetSlotList(NULL)", 1);
    CK_SLOT_ID slots[16];
    if (count > 16)
        fail(1, "check: %lu slots with a token", (unsigned long)count);
    check(p11->C_GetSlotList(CK_TRUE, slots, &count), "C_GetSlotList", 1);
    CK_SLOT_ID slot = 0;
    CK_TOKEN_INFO info;
    char label[33];
    int initialised = 0;
    for (CK_ULONG i = 0; i < count; i++) {
        CK_TOKEN_INFO ti;
        CK_RV rv = p11->C_GetTokenInfo(slots[i], &ti);
        if (rv != CKR_OK)
            fail(1, "check: C_GetTokenInfo(slot %lu) returned %s", (unsigned long)slots[i], rv_name(rv));
        if (!(ti.flags & CKF_TOKEN_INITIALIZED))
            continue;
        initialised++;
        slot = slots[i];
        info = ti;
    }
    if (initialised != 1)
        fail(1, "check: %d initialised tokens in the directory, expected exactly 1", initialised);
    memcpy(label, info.label, 32);
    label[32] = 0;
    for (int i = 31; i >= 0 && label[i] == ' '; i--)
        label[i] = 0;
    const char *verdict;
    if (strcmp(label, want) == 0)
        verdict = "absent";
    else if (flight && strcmp(label, flight) == 0)
        verdict = "applied";
    else
        fail(1, "check: the token is labelled '%s'; the journal says '%s'%s%s", label, want, flight ? ", in flight: " : "",
             flight ? flight : "");
    /* Sane token info. */
    int blank = 1;
    for (int i = 0; i < 16; i++)
        if (info.serialNumber[i] != ' ' && info.serialNumber[i] != 0)
            blank = 0;
    if (blank || info.ulMinPinLen == 0 || info.ulMinPinLen > info.ulMaxPinLen || (info.flags & CKF_SO_PIN_LOCKED)
        || !(info.flags & CKF_TOKEN_INITIALIZED))
        fail(1, "check: C_GetTokenInfo is not sane: serial '%.16s', PIN length %lu..%lu, flags 0x%lx", info.serialNumber,
             (unsigned long)info.ulMinPinLen, (unsigned long)info.ulMaxPinLen, (unsigned long)info.flags);
    int same_gen = st->marker_gen[0] && strcmp(label, st->marker_gen) == 0;
    int has_user = (info.flags & CKF_USER_PIN_INITIALIZED) != 0;
    if (same_gen != has_user)
        fail(1, "check: token '%s' %s a user PIN, but it was %s since the checker's last visit (generation '%s')", label,
             has_user ? "has" : "has no", same_gen ? "not re-initialised" : "re-initialised",
             st->marker_gen[0] ? st->marker_gen : "(none)");
    CK_SESSION_HANDLE s = open_rw(slot, 1);
    CK_RV rv = login(s, CKU_SO, so_pin);
    if (rv != CKR_OK)
        fail(1, "check: C_Login(SO) on token '%s' returned %s", label, rv_name(rv));
    char *pub_marker = NULL;
    if (same_gen) {
        check(p11->C_Logout(s), "C_Logout", 1);
        rv = login(s, CKU_USER, user_pin);
        if (rv != CKR_OK)
            fail(1, "check: C_Login(USER) on the not re-initialised token '%s' returned %s", label, rv_name(rv));
        expect_marker(s, "gen-marker", st->marker_hex, 1, "token not re-initialised");
        pub_marker = malloc(strlen(st->marker_hex) + 2);
        strcpy(pub_marker, st->marker_hex);
        pub_marker[0] = pub_marker[0] == 'f' ? '0' : 'f'; /* the public marker's value: first digit flipped */
        expect_marker(s, "gen-public", pub_marker, 0, "token not re-initialised");
        CK_ULONG n = 0;
        CK_OBJECT_HANDLE hs[4];
        check(p11->C_FindObjectsInit(s, NULL, 0), "C_FindObjectsInit", 1);
        check(p11->C_FindObjects(s, hs, 4, &n), "C_FindObjects", 1);
        check(p11->C_FindObjectsFinal(s), "C_FindObjectsFinal", 1);
        if (n != 2)
            fail(1, "check: the not re-initialised token '%s' has %lu objects, expected the 2 markers", label, (unsigned long)n);
    } else {
        rv = p11->C_InitPIN(s, (CK_UTF8CHAR *)user_pin, strlen(user_pin));
        if (rv != CKR_OK)
            fail(1, "check: C_InitPIN on the re-initialised token '%s' returned %s", label, rv_name(rv));
        check(p11->C_Logout(s), "C_Logout", 1);
        rv = login(s, CKU_USER, user_pin);
        if (rv != CKR_OK)
            fail(1, "check: C_Login(USER) after C_InitPIN on '%s' returned %s", label, rv_name(rv));
        CK_ULONG n = 0;
        CK_OBJECT_HANDLE hs[4];
        check(p11->C_FindObjectsInit(s, NULL, 0), "C_FindObjectsInit", 1);
        check(p11->C_FindObjects(s, hs, 4, &n), "C_FindObjects", 1);
        check(p11->C_FindObjectsFinal(s), "C_FindObjectsFinal", 1);
        if (n != 0)
            fail(1, "check: the re-initialised token '%s' still has %lu or more objects (earlier generation '%s')", label,
                 (unsigned long)n, st->marker_gen);
        char hex[HEX_MAX];
        create_marker(s, "gen-marker", 1, hex);
        pub_marker = malloc(strlen(hex) + 2);
        strcpy(pub_marker, hex);
        pub_marker[0] = pub_marker[0] == 'f' ? '0' : 'f';
        unsigned char value[64];
        CK_ULONG len = from_hex(pub_marker, value);
        CK_ATTRIBUTE tmpl[] = {
            { CKA_CLASS, &data_class, sizeof data_class },
            { CKA_TOKEN, &ck_true, sizeof ck_true },
            { CKA_PRIVATE, &ck_false, sizeof ck_false },
            { CKA_LABEL, "gen-public", 10 },
            { CKA_VALUE, value, len },
        };
        CK_OBJECT_HANDLE h;
        check(p11->C_CreateObject(s, tmpl, 5, &h), "check: C_CreateObject(public marker)", 1);
        expect_marker(s, "gen-marker", hex, 1, "new marker");
        journal_open();
        journal("M %s %s", label, hex);
    }
    free(pub_marker);
    check(p11->C_Logout(s), "C_Logout", 1);
    check(p11->C_CloseSession(s), "C_CloseSession", 1);
    check(p11->C_Finalize(NULL), "C_Finalize", 1);
    char pending[512];
    describe_pending(st, pending, sizeof pending);
    if (flight) {
        journal_open();
        journal("R %ld %s", st->pending.seq, verdict);
    }
    printf("check init: ok: token '%s' serial %.16s (%s), %ld re-initialisations acknowledged so far, in flight: %s%s%s\n",
           label, info.serialNumber, same_gen ? "same generation, markers intact" : "re-initialised, empty, new markers",
           st->acked, pending, flight ? " -> " : "", flight ? verdict : "");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 7 || (strcmp(argv[1], "write") != 0 && strcmp(argv[1], "check") != 0))
        fail(2, "usage: crash write|check objects|pin|init <journal> <token-label> <user-pin> <so-pin>");
    int writing = strcmp(argv[1], "write") == 0;
    const char *mode = argv[2], *token = argv[4], *user_pin = argv[5], *so_pin = argv[6];
    journal_path = argv[3];
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGALRM, on_alarm);
    alarm(writing ? WRITER_ALARM_SECONDS : CHECKER_ALARM_SECONDS);

    struct state st;
    replay(journal_path, &st);
    if (writing && st.pending.kind != OP_NONE)
        fail(2, "writer: op %ld is unresolved in the journal: run the checker first", st.pending.seq);
    load(writing ? 2 : 1);
    if (writing) {
        journal_open();
        if (strcmp(mode, "objects") == 0)
            write_objects(&st, token, user_pin);
        else if (strcmp(mode, "pin") == 0)
            write_pin(&st, token, user_pin);
        else if (strcmp(mode, "init") == 0)
            write_init(&st, token, so_pin);
        fail(2, "unknown mode %s", mode);
    }
    if (strcmp(mode, "objects") == 0)
        return check_objects(&st, token, user_pin);
    if (strcmp(mode, "pin") == 0)
        return check_pin(&st, token, user_pin, so_pin);
    if (strcmp(mode, "init") == 0)
        return check_init(&st, token, user_pin, so_pin);
    fail(2, "unknown mode %s", mode);
    return 2;
}
