/* Parameters treated as shared state: the names `explain --shared NAMES` gives, and the hook
 * through which a whole-run composition (a thread target called with shared arguments) marks
 * them. */
#include "eng_int.h"

#include <string.h>

/* Does `want` name parameter `name` of the code whose qualified name is `qual`: "name", or
 * "qual.name" ("worker.cache", "Pool.run.jobs")? */
static int names_param(const char *want, const char *qual, const char *name)
{
    size_t nq = qual ? strlen(qual) : 0, nw = strlen(want);
    if (!strcmp(want, name))
        return 1;
    return qual && nw == nq + 1 + strlen(name) && !strncmp(want, qual, nq) && want[nq] == '.' &&
           !strcmp(want + nq + 1, name);
}

int mod_param_shared(const eng_mod *m, const eng_code *c, const ir_path *root)
{
    const pyc_code *pc = c->c_ir.f_code->bc_src;
    uint32_t nargs, i;
    size_t k;
    if (!root || root->p_kind != PATH_LOCAL || root->p_version != 0 || !m->m_opt ||
        !m->m_opt->o_nshared_params)
        return 0;
    /* positional, keyword-only, *args, **kwargs: the first locals */
    nargs = (uint32_t)(pc->co_argcount + pc->co_kwonlyargcount) +
            ((pc->co_flags & 0x04) != 0) + ((pc->co_flags & 0x08) != 0);
    for (i = 0; i < nargs && i < pc->co_nlocalnames; i++) {
        if (!pyc_str_eq(pc->co_localnames[i], root->p_name))
            continue;
        for (k = 0; k < m->m_opt->o_nshared_params; k++)
            if (names_param(m->m_opt->o_shared_params[k], c->c_qualname, root->p_name))
                return 1;
    }
    return 0;
}
