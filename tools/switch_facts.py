"""Where a GIL build of CPython 3.6 .. 3.14 can hand the GIL to another thread: per version, which
edges of the control-flow graph pass an eval-breaker check, read from each version's eval loop.

tools/gen_opcodes.py turns these tables into the OPF_SW_* flags of analyzer/bytecode/op_tables.h
and the generated table of docs/switch-points.md; tools/switch_probe.py checks them against the
running interpreters (a SIGALRM handler runs exactly at those checks).

An edge leaves an instruction in one of three ways:
  next   falls through to the following instruction (or returns from the call it made),
  jump   goes to the instruction's jump target,
  raise  goes to the exception handler that covers it.
A switch is possible on an edge when the interpreter checks its eval breaker (the flag a waiting
thread raises with gil_drop_request) between the two instructions, or when the instruction runs
other Python code by design (a call, a generator step, __enter__/__exit__, an import).  Python
code that only types can reveal (a property, a Python __eq__/__hash__, __missing__, __del__) is
left to the analysis.

Sources (public copies of each release's files; line numbers are those of these copies):
  3.6  Python/ceval.c of 3.6.8       github.com/Pypperoni/Python-3.6.8 @ f696e26
  3.7  Python/ceval.c of 3.7.4       github.com/Keepmoving-ZXY/Python-3.7.4 @ 00cc21f
  3.8  Python/ceval.c of 3.8.0       github.com/zkt1061749991/CPython3.8_RSAEncrypt @ d57597f
  3.9  Python/ceval.c of 3.9.18      github.com/Poeagle/cpython3918 @ 265882d
  3.10 Python/ceval.c of 3.10.7      github.com/Shiori-Takanashi/CPython-3.10.7-RE @ fc7913a
  3.11 Python/ceval.c of 3.11.11+    github.com/shane-mf/cpython-3.11 @ ecae2bb
  3.12 Python/bytecodes.c, ceval.c of 3.12.5  github.com/fanwenting99/force-cpython-3.12.5 @ 6025fb6
  3.13 Include/internal/pycore_opcode_metadata.h as installed by the interpreter itself
       (HAS_EVAL_BREAK_FLAG, generated from its Python/bytecodes.c): read at generation time
  3.14 Python/bytecodes.c of 3.14.7  github.com/tcchen2026/cpython-3.14 @ 0edaa75
"""

EDGES = ("next", "jump", "raise")

# ---------------------------------------------------------------------------------------------
# 3.6 - 3.9: the dispatch model.  With computed gotos (gcc and clang builds, pyenv's included)
# DISPATCH() is "if eval_breaker is clear, FAST_DISPATCH(); else continue", and `continue` goes
# to the head of the `for (;;)` loop, which runs the pending calls and drops the GIL on a
# gil_drop_request (3.6 ceval.c:854-860 DISPATCH, 863-881 FAST_DISPATCH, 1157-1190 loop head;
# 3.7 ceval.c:647-664, 943; 3.8 ceval.c:845-877, 1201; 3.9 ceval.c:1020-1055, 1440).  An opcode
# that ends in DISPATCH() checks on every edge it leaves by; one that ends in FAST_DISPATCH()
# checks on none.  EXTENDED_ARG does `goto dispatch_opcode` (3.6 ceval.c:3525).
FAST_DISPATCH_OPS = {
    6: {"NOP", "LOAD_FAST", "LOAD_CONST", "STORE_FAST", "POP_TOP", "ROT_TWO", "ROT_THREE",
        "DUP_TOP", "DUP_TOP_TWO", "JUMP_FORWARD", "EXTENDED_ARG"},
    7: {"NOP", "LOAD_FAST", "LOAD_CONST", "STORE_FAST", "POP_TOP", "ROT_TWO", "ROT_THREE",
        "DUP_TOP", "DUP_TOP_TWO", "JUMP_FORWARD", "EXTENDED_ARG"},
    # 3.8 adds ROT_FOUR; BEGIN_FINALLY and CALL_FINALLY FAST_DISPATCH; END_FINALLY does on both
    # normal paths and re-raises otherwise; END_ASYNC_FOR on StopAsyncIteration jumps and
    # FAST_DISPATCHes, otherwise re-raises.  POP_FINALLY ends in DISPATCH().
    8: {"NOP", "LOAD_FAST", "LOAD_CONST", "STORE_FAST", "POP_TOP", "ROT_TWO", "ROT_THREE",
        "ROT_FOUR", "DUP_TOP", "DUP_TOP_TWO", "JUMP_FORWARD", "EXTENDED_ARG", "BEGIN_FINALLY",
        "CALL_FINALLY", "END_FINALLY", "END_ASYNC_FOR"},
    # 3.9 adds IS_OP (ceval.c:3402), CONTAINS_OP (3418) and LOAD_ASSERTION_ERROR, which
    # FAST_DISPATCH (CONTAINS_OP even though PySequence_Contains may run a Python __contains__).
    9: {"NOP", "LOAD_FAST", "LOAD_CONST", "STORE_FAST", "POP_TOP", "ROT_TWO", "ROT_THREE",
        "ROT_FOUR", "DUP_TOP", "DUP_TOP_TWO", "JUMP_FORWARD", "EXTENDED_ARG", "END_ASYNC_FOR",
        "IS_OP", "CONTAINS_OP", "LOAD_ASSERTION_ERROR"},
}
# Conditional jumps that FAST_DISPATCH() on both edges when the tested value is exactly True or
# False and DISPATCH() after PyObject_IsTrue() (3.6 ceval.c:2948-2968 POP_JUMP_IF_FALSE,
# 2997 JUMP_IF_FALSE_OR_POP; 3.7 2679, 2727; 3.8 3041, 3090; 3.9 3555, 3613): a value that a
# comparison, `in`, `is` or `not` produced is a bool and passes without a check.
BOOL_FAST_OPS = {m: {"POP_JUMP_IF_FALSE", "POP_JUMP_IF_TRUE", "JUMP_IF_FALSE_OR_POP",
                     "JUMP_IF_TRUE_OR_POP"} for m in (6, 7, 8, 9)}

# 3.6 - 3.10: the loop head skips its check when the NEXT instruction is one of these ("Few cases
# where we skip running signal handlers": 3.6 ceval.c:1158-1177, 3.7 944-965, 3.8 1202-1223,
# 3.9 1441-1464, 3.10 1753-1772).  An edge into one of them passes no check.
LOOP_HEAD_SKIP = {m: {"SETUP_FINALLY", "SETUP_WITH", "BEFORE_ASYNC_WITH", "YIELD_FROM"}
                  for m in (6, 7, 8, 9, 10)}

# Version-wide edges.
#   handler: an exception caught in the same frame enters its handler through the loop head and
#            its check (3.6 ceval.c:3641-3642 `JUMPTO(handler); break;`, 3.7 3470; 3.8 3772-3774
#            and 3.9 4310-4324 `goto main_loop`; 3.10 4503-4506 `goto main_loop`).  3.11 and
#            later `DISPATCH()` into the handler (3.11 ceval.c:5812-5814, 3.12 ceval.c:989-994,
#            3.14 bytecodes.c:5460 `next_instr = ... + handler`): no check.
#   entry:   a frame starts (function call, generator resumption) at the loop head, which checks
#            before the first instruction; from 3.11 RESUME carries that check.
#   loophead: every check above is the loop head's, so LOOP_HEAD_SKIP applies to it.
VERSION_EDGES = {
    6: {"handler", "entry", "loophead"}, 7: {"handler", "entry", "loophead"},
    8: {"handler", "entry", "loophead"}, 9: {"handler", "entry", "loophead"},
    10: {"handler", "entry", "loophead"}, 11: set(), 12: set(), 13: set(), 14: set(),
}

# ---------------------------------------------------------------------------------------------
# 3.10 - 3.14: DISPATCH() no longer passes the loop head; the eval breaker is checked only where
# the source says so.  opname -> the edges that check.
EDGE_CHECKS = {
    # 3.10 ceval.c:1315-1318 CHECK_EVAL_BREAKER() is `continue` to the loop head.  It is written
    # on the jump edge of POP_JUMP_IF_FALSE (3743-3768: after JUMPTO(oparg) on both the
    # Py_IsFalse and the PyObject_IsTrue path, never on the fall-through) and POP_JUMP_IF_TRUE
    # (3770-3795), in JUMP_ABSOLUTE (3846-3850), and after the call of CALL_METHOD (4205),
    # CALL_FUNCTION (4219), CALL_FUNCTION_KW (4239), CALL_FUNCTION_EX (4286).
    # JUMP_IF_FALSE_OR_POP, JUMP_IF_TRUE_OR_POP, JUMP_IF_NOT_EXC_MATCH, JUMP_FORWARD and
    # FOR_ITER do not check.
    10: {"POP_JUMP_IF_FALSE": {"jump"}, "POP_JUMP_IF_TRUE": {"jump"}, "JUMP_ABSOLUTE": {"jump"},
         "CALL_METHOD": {"next"}, "CALL_FUNCTION": {"next"}, "CALL_FUNCTION_KW": {"next"},
         "CALL_FUNCTION_EX": {"next"}},
    # 3.11 ceval.c:1343-1347 CHECK_EVAL_BREAKER() is `goto handle_eval_breaker` (1741-1751).
    # RESUME_QUICK (1775-1782, what RESUME becomes) checks when oparg < 2 (function start, after
    # yield); JUMP_BACKWARD_QUICK (4202-4208) after JUMPBY(-oparg); POP_JUMP_BACKWARD_IF_FALSE /
    # _TRUE / _NOT_NONE / _NONE on the jump edge (3999-4023, 4049-4072, 4097-4107, 4118-4128);
    # CALL after the call (4788 and its specialisations 4948-5338); CALL_FUNCTION_EX (5387).
    # POP_JUMP_FORWARD_IF_* (4025, 4074, 4109, 4131) and JUMP_BACKWARD_NO_INTERRUPT (4192-4200,
    # "we deliberately do not check it here") do not.
    11: {"RESUME": {"next"}, "JUMP_BACKWARD": {"jump"}, "POP_JUMP_BACKWARD_IF_FALSE": {"jump"},
         "POP_JUMP_BACKWARD_IF_TRUE": {"jump"}, "POP_JUMP_BACKWARD_IF_NONE": {"jump"},
         "POP_JUMP_BACKWARD_IF_NOT_NONE": {"jump"}, "CALL": {"next"},
         "CALL_FUNCTION_EX": {"next"}},
    # 3.12 bytecodes.c: RESUME (136-148, oparg < 2), JUMP_BACKWARD (2158-2162), CALL (2660-2742
    # and its specialisations to 3195), CALL_FUNCTION_EX (3202-3267).  Conditional jumps are
    # forward only (POP_JUMP_IF_FALSE 2164) and never check.
    12: {"RESUME": {"next"}, "JUMP_BACKWARD": {"jump"}, "CALL": {"next"},
         "CALL_FUNCTION_EX": {"next"}},
    # 3.13: HAS_EVAL_BREAK_FLAG in the interpreter's pycore_opcode_metadata.h (CALL, CALL_KW,
    # CALL_FUNCTION_EX, JUMP_BACKWARD, RESUME and the specialisations of CALL / CALL_KW), the
    # micro-ops _CHECK_PERIODIC / _CHECK_PERIODIC_IF_NOT_YIELD_FROM; checked by gen_opcodes.
    13: {"RESUME": {"next"}, "JUMP_BACKWARD": {"jump"}, "CALL": {"next"}, "CALL_KW": {"next"},
         "CALL_FUNCTION_EX": {"next"}},
    # 3.14 bytecodes.c: _CHECK_PERIODIC (155-162) and _CHECK_PERIODIC_IF_NOT_YIELD_FROM
    # (164-173); macro(RESUME) (224-228); macro(JUMP_BACKWARD) = ... + _CHECK_PERIODIC +
    # JUMP_BACKWARD_NO_INTERRUPT (2927-2931: the check comes before the jump, which always
    # follows); macro(CALL) (3836), CALL_NON_PY_GENERAL (3953-3958) and the other CALL
    # specialisations, macro(CALL_KW) (4782), macro(CALL_FUNCTION_EX) (4937-4945).
    14: {"RESUME": {"next"}, "JUMP_BACKWARD": {"jump"}, "CALL": {"next"}, "CALL_KW": {"next"},
         "CALL_FUNCTION_EX": {"next"}},
}
# RESUME checks only when (oparg & 3) < 2: at function start and after `yield`, not after
# `yield from` / `await` (3.11 ceval.c:1780, 3.12 bytecodes.c:145, 3.14 bytecodes.c:165).
ARG_BELOW_2_OPS = {m: {"RESUME"} for m in (11, 12, 13, 14)}

# ---------------------------------------------------------------------------------------------
# Instructions that run other Python code by design, on every version: a thread switch can fall
# inside them whatever the eval loop does around them.  Calls (a Python callee checks the breaker
# at its own entry; after a C callee the caller checks, see above), generator steps (the frame is
# suspended, or a sub-generator runs), __enter__ / __exit__, imports (importlib is Python code),
# sys.displayhook.
_CALLS = {"CALL_FUNCTION", "CALL_FUNCTION_KW", "CALL_FUNCTION_EX", "CALL_METHOD", "CALL",
          "CALL_KW"}
_RUNS = {
    6: {"YIELD_VALUE", "YIELD_FROM", "IMPORT_NAME", "SETUP_WITH", "SETUP_ASYNC_WITH",
        "WITH_CLEANUP_START", "PRINT_EXPR"},
    9: {"YIELD_VALUE", "YIELD_FROM", "IMPORT_NAME", "SETUP_WITH", "BEFORE_ASYNC_WITH",
        "WITH_EXCEPT_START", "PRINT_EXPR"},
    11: {"YIELD_VALUE", "SEND", "IMPORT_NAME", "BEFORE_WITH", "BEFORE_ASYNC_WITH",
         "WITH_EXCEPT_START", "PRINT_EXPR"},
    12: {"YIELD_VALUE", "SEND", "IMPORT_NAME", "BEFORE_WITH", "BEFORE_ASYNC_WITH",
         "WITH_EXCEPT_START"},
    14: {"YIELD_VALUE", "SEND", "IMPORT_NAME", "WITH_EXCEPT_START"},  # `with`: LOAD_SPECIAL + CALL
}
RUNS_CODE_OPS = {
    6: _CALLS | _RUNS[6], 7: _CALLS | _RUNS[6],
    8: _CALLS | _RUNS[6] - {"SETUP_ASYNC_WITH"} | {"BEFORE_ASYNC_WITH"},
    9: _CALLS | _RUNS[9], 10: _CALLS | _RUNS[9], 11: _CALLS | _RUNS[11],
    12: _CALLS | _RUNS[12], 13: _CALLS | _RUNS[12], 14: _CALLS | _RUNS[14],
}


class FactsError(Exception):
    pass


def op_flags(m, name, is_jump, falls):
    """The OPF_SW_* / OPF_RUNS_CODE flag names of opcode `name` of 3.<m>."""
    flags = []
    if m in FAST_DISPATCH_OPS:
        if name not in FAST_DISPATCH_OPS[m]:
            if falls:
                flags.append("OPF_SW_NEXT")
            if is_jump:
                flags.append("OPF_SW_JUMP")
            if name in BOOL_FAST_OPS[m]:
                flags.append("OPF_SW_BOOL")
    else:
        edges = EDGE_CHECKS[m].get(name, ())
        if "next" in edges:
            flags.append("OPF_SW_NEXT")
        if "jump" in edges:
            flags.append("OPF_SW_JUMP")
    if name in ARG_BELOW_2_OPS.get(m, ()):
        flags.append("OPF_SW_ARG01")
    if name in LOOP_HEAD_SKIP.get(m, ()):
        flags.append("OPF_SW_SKIP")
    if name in RUNS_CODE_OPS[m]:
        flags.append("OPF_RUNS_CODE")
    return flags


def version_flags(m):
    names = {"handler": "VF_SW_HANDLER", "entry": "VF_SW_ENTRY", "loophead": "VF_SW_LOOPHEAD"}
    return [names[k] for k in ("handler", "entry", "loophead") if k in VERSION_EDGES[m]]


def check_tables(m, names, eval_break_ops=None):
    """The tables of 3.<m> name only opcodes that version has; where the interpreter itself says
    which opcodes check the eval breaker (3.13's installed pycore_opcode_metadata.h), the tables
    say the same."""
    names = set(names)
    listed = (set(RUNS_CODE_OPS[m]) - _CALLS) | set(LOOP_HEAD_SKIP.get(m, ())) | \
        set(ARG_BELOW_2_OPS.get(m, ()))
    if m in FAST_DISPATCH_OPS:
        listed |= FAST_DISPATCH_OPS[m] | BOOL_FAST_OPS[m]
        both = FAST_DISPATCH_OPS[m] & BOOL_FAST_OPS[m]
        if both:
            raise FactsError("3.%d: %s both FAST_DISPATCH and BOOL_FAST"
                             % (m, ", ".join(sorted(both))))
    else:
        listed |= set(EDGE_CHECKS[m])
    unknown = sorted(listed - names)
    if unknown:
        raise FactsError("3.%d: the switch-point tables name opcodes 3.%d does not have: %s"
                         % (m, m, ", ".join(unknown)))
    for name, edges in EDGE_CHECKS.get(m, {}).items():
        if name not in names:
            raise FactsError("3.%d: EDGE_CHECKS names %s, which 3.%d does not have" % (m, name, m))
        if not set(edges) <= {"next", "jump"}:
            raise FactsError("3.%d %s: edges %r" % (m, name, edges))
    if eval_break_ops is not None:
        have = set(n for n in eval_break_ops if n in names)
        table = set(EDGE_CHECKS.get(m, {}))
        if have != table:
            raise FactsError("3.%d: the interpreter's HAS_EVAL_BREAK_FLAG opcodes %s differ from "
                             "EDGE_CHECKS %s" % (m, sorted(have), sorted(table)))


def doc_table(versions):
    """The generated table of docs/switch-points.md: versions -> {minor: set of opnames}."""
    def names(m, ops):
        return " ".join("`%s`" % n for n in sorted(n for n in ops if n in versions[m])) or "--"
    out = ["| version | next edge checks | jump edge checks | no edge checks | both edges "
           "unless the tested value is a bool | exception handler entry | frame entry, generator "
           "resumption | no check on an edge into | runs Python code (every edge) |",
           "|---|---|---|---|---|---|---|---|---|"]
    for m in sorted(versions):
        ve = VERSION_EDGES[m]
        if m in FAST_DISPATCH_OPS:
            nxt = "every opcode not named elsewhere in this row"
            jmp = "every jump not named elsewhere in this row"
            never = names(m, FAST_DISPATCH_OPS[m])
            boolf = names(m, BOOL_FAST_OPS[m])
        else:
            nxt = names(m, [n for n, e in EDGE_CHECKS[m].items() if "next" in e])
            if m in ARG_BELOW_2_OPS:
                nxt += " (`RESUME` only with (oparg & 3) < 2)"
            jmp = names(m, [n for n, e in EDGE_CHECKS[m].items() if "jump" in e])
            never = "every other opcode"
            boolf = "--"
        out.append("| 3.%d | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            m, nxt, jmp, never, boolf, "checks" if "handler" in ve else "no check",
            "checks before the first instruction" if "entry" in ve else "`RESUME` (above)",
            names(m, LOOP_HEAD_SKIP.get(m, ())), names(m, RUNS_CODE_OPS[m])))
    return "\n".join(out) + "\n"


def describe(m):
    """Rows (what, opcodes) of the per-version table in docs/switch-points.md."""
    rows = []
    if m in FAST_DISPATCH_OPS:
        rows.append(("every edge out of", "every opcode except those below"))
        rows.append(("no edge out of (FAST_DISPATCH)", " ".join(sorted(FAST_DISPATCH_OPS[m]))))
        rows.append(("both edges, unless the tested value is exactly True/False",
                     " ".join(sorted(BOOL_FAST_OPS[m]))))
    else:
        nxt = sorted(n for n, e in EDGE_CHECKS[m].items() if "next" in e)
        jmp = sorted(n for n, e in EDGE_CHECKS[m].items() if "jump" in e)
        rows.append(("the next edge (after a call: when it returns)", " ".join(nxt)))
        rows.append(("the jump edge only", " ".join(jmp)))
    if m in ARG_BELOW_2_OPS:
        rows.append(("only with (oparg & 3) < 2", " ".join(sorted(ARG_BELOW_2_OPS[m]))))
    if m in LOOP_HEAD_SKIP:
        rows.append(("no check on an edge INTO", " ".join(sorted(LOOP_HEAD_SKIP[m]))))
    ve = VERSION_EDGES[m]
    rows.append(("exception handler entry", "checks" if "handler" in ve else "no check"))
    rows.append(("frame entry, generator resumption",
                 "loop head, before the first instruction" if "entry" in ve else "RESUME"))
    rows.append(("runs Python code (every edge)", " ".join(sorted(RUNS_CODE_OPS[m]))))
    return rows
