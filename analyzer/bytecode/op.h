/* Per-version opcode facts: the types behind the generated tables in op_tables.h. */
#ifndef GILCHECK_BYTECODE_OP_H
#define GILCHECK_BYTECODE_OP_H

#include <stdint.h>

/* Version-neutral semantic operations.  Every raw opcode of every version maps to one of
 * these; the operands are decoded into bc_instr.in_a / in_b by bc_neutral.c so that no stage
 * after bytecode/ needs to know which Python produced the code. */
typedef enum op_sem {
    SEM_OTHER = 0,       /* no meaning the analysis needs (e.g. SETUP_ANNOTATIONS) */
    SEM_NOP,             /* NOP, CACHE, EXTENDED_ARG, RESUME and other no-ops for the data flow */
    SEM_LOAD_FAST,       /* a = local index */
    SEM_LOAD_FAST_PAIR,  /* a, b = two local indexes pushed in order (3.13+) */
    SEM_STORE_FAST,      /* a = local index */
    SEM_STORE_FAST_PAIR, /* a, b = stores TOS to a, then the next to b (3.13+) */
    SEM_STORE_LOAD_FAST, /* store TOS to a, then push local b (3.13+) */
    SEM_DELETE_FAST,     /* a = local index */
    SEM_LOAD_GLOBAL,     /* a = name index, b bit 0: a NULL is pushed too (3.11+), bit 1: the
                          * NULL goes below the global (3.11-3.12) rather than above it */
    SEM_STORE_GLOBAL,    /* a = name index */
    SEM_DELETE_GLOBAL,   /* a = name index */
    SEM_LOAD_NAME,       /* a = name index (module and class bodies) */
    SEM_STORE_NAME,
    SEM_DELETE_NAME,
    SEM_LOAD_DEREF,      /* a = index into the cell/free names (see bc_deref_name) */
    SEM_STORE_DEREF,
    SEM_DELETE_DEREF,
    SEM_LOAD_CLOSURE,    /* pushes the cell itself, a = cell/free index */
    SEM_LOAD_CONST,      /* a = const index */
    SEM_LOAD_INT,        /* pushes the small int a (3.14 LOAD_SMALL_INT) */
    SEM_LOAD_ATTR,       /* a = name index, b = 1 for the method form (pushes 2) */
    SEM_LOAD_SUPER_ATTR, /* a = name index */
    SEM_STORE_ATTR,      /* a = name index: TOS.attr = TOS1 */
    SEM_DELETE_ATTR,
    SEM_SUBSCR,          /* TOS1[TOS] */
    SEM_STORE_SUBSCR,    /* TOS1[TOS] = TOS2 */
    SEM_DELETE_SUBSCR,
    SEM_SLICE,           /* TOS2[TOS1:TOS] (3.12+ BINARY_SLICE) */
    SEM_STORE_SLICE,
    SEM_BUILD_SLICE,     /* a = 2 or 3 */
    SEM_BINARY,          /* a = op_binop kind (in-place kinds included) */
    SEM_UNARY,           /* a = op_unary kind */
    SEM_COMPARE,         /* a = op_cmp kind (<, <=, ==, !=, >, >=) */
    SEM_CONTAINS,        /* a = 1 for `not in` */
    SEM_IS,              /* a = 1 for `is not` */
    SEM_EXC_MATCH,       /* exception match test */
    SEM_TO_BOOL,
    SEM_CALL,            /* a = positional argument count (3.11+: incl. self), b = OP_CALL_* flags */
    SEM_CALL_EX,         /* f(*args, **kw); a = 1 when a kwargs dict is present */
    SEM_PUSH_NULL,
    SEM_KW_NAMES,        /* a = const index of the keyword-name tuple (3.11-3.12) */
    SEM_PRECALL,         /* 3.11 PRECALL: no stack change for the analysis */
    SEM_COPY,            /* a = n: push a copy of the n-th item (1 = TOS) */
    SEM_SWAP,            /* a = n: exchange TOS and the n-th item */
    SEM_ROT,             /* a = n: move TOS down to position n (ROT_TWO/THREE/FOUR/ROT_N) */
    SEM_DUP_TWO,         /* DUP_TOP_TWO */
    SEM_POP,             /* POP_TOP */
    SEM_JUMP,            /* unconditional jump (either direction) */
    SEM_JUMP_IF,         /* conditional: a = op_cond kind, b = 1 when the tested value stays on the
                          * stack on the jump edge (JUMP_IF_X_OR_POP) */
    SEM_FOR_ITER,
    SEM_GET_ITER,
    SEM_END_FOR,
    SEM_RETURN,          /* return TOS */
    SEM_RETURN_CONST,    /* a = const index */
    SEM_YIELD,
    SEM_BUILD,           /* a = item count, b = op_build kind */
    SEM_MAKE_FUNCTION,
    SEM_WITH_ENTER,      /* SETUP_WITH / BEFORE_WITH / 3.14 LOAD_SPECIAL __enter__ */
    SEM_SETUP_HANDLER,   /* pre-3.11 SETUP_FINALLY / SETUP_EXCEPT / SETUP_ASYNC_WITH: target = handler */
    SEM_POP_BLOCK,
    SEM_RAISE,
    SEM_RERAISE,
    SEM_IMPORT_NAME,     /* a = name index */
    SEM_IMPORT_FROM,     /* a = name index */
    SEM_UNPACK,          /* a = count */
    SEM_FORMAT,
    SEM_LOAD_BUILD_CLASS, /* pushes builtins.__build_class__ */
    SEM_SET_FUNC_ATTR,   /* 3.13+ SET_FUNCTION_ATTRIBUTE: pops an attribute, keeps the function */
    SEM_LOAD_SPECIAL,    /* 3.14: pushes (method, self) of special a: 0 __enter__, 1 __exit__,
                          * 2 __aenter__, 3 __aexit__ */
    SEM_COLLECT,         /* LIST_APPEND, SET_ADD, MAP_ADD, LIST_EXTEND...: pops the item(s) into the
                          * container then at depth a (1 = TOS) */
    SEM_COUNT_
} op_sem;

/* Binary operator kinds: 3.11's NB_* numbering, which older versions' opcodes are mapped to. */
typedef enum op_binop {
    BINOP_ADD = 0, BINOP_AND, BINOP_FLOOR_DIVIDE, BINOP_LSHIFT, BINOP_MATRIX_MULTIPLY,
    BINOP_MULTIPLY, BINOP_REMAINDER, BINOP_OR, BINOP_POWER, BINOP_RSHIFT, BINOP_SUBTRACT,
    BINOP_TRUE_DIVIDE, BINOP_XOR,
    BINOP_INPLACE = 13,  /* add to any of the above for the augmented form (+=) */
    BINOP_SUBSCR = 26    /* 3.14's BINARY_OP [] (decoded as SEM_SUBSCR) */
} op_binop;

typedef enum op_unary { UNARY_POS_ = 0, UNARY_NEG_, UNARY_NOT_, UNARY_INVERT_ } op_unary;

typedef enum op_cmp { CMP_LT = 0, CMP_LE, CMP_EQ, CMP_NE, CMP_GT, CMP_GE } op_cmp;

/* What a conditional jump tests; the jump is taken when the test holds. */
typedef enum op_cond {
    COND_TRUE = 0, COND_FALSE, COND_NONE, COND_NOT_NONE
} op_cond;
/* Added to a SEM_JUMP_IF opcode's oi_sub: the tested value stays on the stack on the jump edge
 * (JUMP_IF_TRUE_OR_POP, JUMP_IF_FALSE_OR_POP); decoded into bc_instr.in_b. */
#define OP_COND_KEEP 4

typedef enum op_build {
    BUILD_TUPLE_ = 0, BUILD_LIST_, BUILD_SET_, BUILD_MAP_, BUILD_CONST_KEY_MAP_, BUILD_STRING_,
    BUILD_OTHER_
} op_build;

/* Call flags in bc_instr.in_b for SEM_CALL. */
#define OP_CALL_KW      0x01  /* keyword names follow (CALL_FUNCTION_KW, CALL_KW, KW_NAMES) */
#define OP_CALL_METHOD  0x02  /* pre-3.11 CALL_METHOD: callable and self from LOAD_METHOD */

/* op_info.oi_flags */
#define OPF_HASARG   0x0001  /* dis gives this opcode an argument */
#define OPF_JUMP     0x0002  /* in hasjrel or hasjabs: the argument is a jump target */
#define OPF_JREL     0x0004  /* target is relative to the instruction's offset */
#define OPF_CONST    0x0008  /* argument indexes co_consts */
#define OPF_NAME     0x0010  /* argument (>> oi_argshift) indexes co_names */
#define OPF_LOCAL    0x0020  /* argument indexes the local variables */
#define OPF_FREE     0x0040  /* argument indexes cell and free variables */
#define OPF_COMPARE  0x0080  /* argument (>> oi_argshift) indexes cmp_op */
#define OPF_PAIR     0x0100  /* argument packs two local indexes: arg >> 4, arg & 15 */
#define OPF_COND     0x0200  /* conditional jump */
/* Switch points, per edge (see bc_switch_on_edge and docs/switch-points.md).  An edge leaves an
 * instruction to the next one ("next"; after a call: when it returns), to its jump target
 * ("jump"), or to the exception handler covering it ("raise", a version-wide fact: VF_SW_HANDLER).
 * Set from the tables of tools/switch_facts.py, read from each version's eval loop. */
#define OPF_SW_NEXT  0x0400  /* a GIL build checks its eval breaker (may hand the GIL to another
                              * thread) on the next edge */
#define OPF_NOFALL   0x0800  /* never falls through (return, raise, unconditional jump) */
#define OPF_SW_JUMP  0x1000  /* ... checks on the jump edge */
#define OPF_SW_BOOL  0x2000  /* 3.6-3.9 conditional jumps: neither edge checks when the tested
                              * value is exactly True or False (FAST_DISPATCH) */
#define OPF_RUNS_CODE 0x4000 /* runs other Python code by design (a call, a generator step,
                              * __enter__ / __exit__, an import): a switch can fall inside it
                              * on every version, whichever edge follows */
#define OPF_SW_SKIP  0x8000  /* 3.6-3.10: the loop head skips its check when this is the next
                              * instruction (SETUP_FINALLY, SETUP_WITH, ...): no switch on an
                              * edge into it */
#define OPF_SW_ARG01 0x10000 /* checks only when (arg & 3) < 2 (RESUME: function start and after
                              * `yield`, not after `yield from` / `await`) */

/* One opcode of one version.  oi_name is NULL for numbers that are not a valid opcode in a .pyc
 * of that version (unused, specialized, instrumented). */
typedef struct op_info {
    const char *oi_name;   /* opname as dis prints it */
    uint32_t oi_flags;     /* OPF_* */
    uint8_t oi_caches;     /* inline CACHE code units after the instruction (3.11+) */
    uint8_t oi_argshift;   /* name / compare index = arg >> oi_argshift */
    uint8_t oi_sem;        /* op_sem */
    int8_t oi_sub;         /* sub-kind fixed by the opcode (binop, cond, build, rot n); -1 if none */
    int8_t oi_jscale;      /* jump target = (OPF_JREL ? offset : 0) + oi_jscale * arg + oi_jbias */
    int16_t oi_jbias;
    int16_t oi_se_base;    /* stack effect (no jump) = oi_se_base + oi_se_arg * arg ... */
    int8_t oi_se_arg;
    int8_t oi_se_jump;     /* ... and on the jump edge add this to the no-jump effect */
    const int8_t *oi_se_table; /* non-NULL when the effect is not linear: effect for arg 0..15 */
} op_info;

/* Version-level features (op_version.ov_flags), derived by the generator. */
#define VF_LNOTAB      0x01  /* 3.6-3.9 co_lnotab */
#define VF_LINETABLE   0x02  /* 3.10 co_linetable (PEP 626) */
#define VF_LOCTABLE    0x04  /* 3.11+ location table with columns */
#define VF_EXCTABLE    0x08  /* 3.11+ exception table */
#define VF_LOCALSPLUS  0x10  /* deref arguments index localsplus (3.11+), not cell+free */
#define VF_EXTARG_RESET 0x20 /* dis resets EXTENDED_ARG accumulation at argument-less opcodes */
#define VF_ARG_SIGNED  0x40  /* dis wraps an accumulated argument to a signed 32-bit int */
#define VF_SW_HANDLER  0x80  /* a GIL build checks its eval breaker when an exception enters a
                              * handler of the same frame (the raise edge; 3.6-3.10) */
#define VF_SW_ENTRY    0x100 /* ... before the first instruction of a frame (function entry,
                              * generator resumption; 3.6-3.10, later RESUME carries it) */
#define VF_SW_LOOPHEAD 0x200 /* every check is the eval loop head's, which skips it before an
                              * OPF_SW_SKIP instruction (3.6-3.10) */

typedef struct op_version {
    int ov_minor;           /* 6 .. 14: Python 3.<minor> */
    int ov_magic;           /* the release's magic number */
    int ov_magic_lo;        /* first magic number of this version's range (pre-releases) */
    int ov_magic_hi;        /* last magic number of the range */
    int ov_flags;           /* VF_* */
    int ov_extended_arg;    /* opcode of EXTENDED_ARG */
    int ov_cache;           /* opcode of CACHE, or -1 */
    const op_info *ov_ops;  /* 256 entries indexed by opcode */
} op_version;

#endif
