/* Return codes shared by every stage: 0 is success, expected failures are small negatives. */
#ifndef GILCHECK_COMMON_ERR_H
#define GILCHECK_COMMON_ERR_H

enum {
    G_OK = 0,
    G_ETRUNC = -1,    /* input ends before a declared length or field */
    G_EBAD = -2,      /* input is malformed */
    G_EDEPTH = -3,    /* nesting deeper than the reader allows */
    G_EVERSION = -4,  /* unknown or unsupported Python version / magic number */
    G_ENOMEM = -5,    /* an allocation failed */
    G_EIO = -6,       /* the file could not be read */
    G_EUSAGE = -7     /* bad command-line usage */
};

/* A short name for a return code ("truncated", "bad data", ...). */
const char *err_name(int code);

#endif
