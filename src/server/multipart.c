#include "server/multipart.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *multipart_status_name(multipart_status s) {
    static const char *names[] = {"ok",
                                  "not multipart/form-data",
                                  "missing boundary",
                                  "malformed multipart body",
                                  "too many parts",
                                  "part header too long"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

/* Finds parameter `param` (e.g. "boundary") in a header value; copies its (unquoted) value. */
static int header_param(const char *value, size_t value_len, const char *param, char *out,
                        size_t out_len) {
    size_t plen = strlen(param);
    size_t i = 0;
    while (i < value_len) {
        /* advance to the next ';' separated parameter */
        while (i < value_len && value[i] != ';') {
            if (value[i] == '"') { /* skip quoted strings */
                i++;
                while (i < value_len && value[i] != '"') i += (value[i] == '\\') ? 2 : 1;
            }
            i++;
        }
        if (i >= value_len) break;
        i++;
        while (i < value_len && (value[i] == ' ' || value[i] == '\t')) i++;
        if (i + plen < value_len && strncasecmp(value + i, param, plen) == 0 &&
            value[i + plen] == '=') {
            i += plen + 1;
            size_t o = 0;
            if (i < value_len && value[i] == '"') {
                i++;
                while (i < value_len && value[i] != '"') {
                    if (value[i] == '\\' && i + 1 < value_len) i++;
                    if (o + 1 >= out_len) return -1;
                    out[o++] = value[i++];
                }
                if (i >= value_len) return -1; /* unterminated quote */
            } else {
                while (i < value_len && value[i] != ';' && value[i] != ' ' && value[i] != '\t') {
                    if (o + 1 >= out_len) return -1;
                    out[o++] = value[i++];
                }
            }
            out[o] = '\0';
            return 0;
        }
    }
    return 1; /* absent */
}

static int media_type_is(const char *ct, const char *want) {
    while (*ct == ' ' || *ct == '\t') ct++;
    size_t n = strlen(want);
    return strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static int valid_boundary(const char *b) {
    size_t n = strlen(b);
    if (n == 0 || n > 70) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)b[i];
        if (c < 32 || c > 126) return 0;
    }
    return 1;
}

/* Parses one part's header block [h, h+len) into part. */
static multipart_status parse_part_headers(const char *h, size_t len, multipart_part *part) {
    int have_disposition = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *line = h + pos;
        const char *eol = memchr(line, '\n', len - pos);
        size_t line_len = eol ? (size_t)(eol - line) : len - pos;
        pos += line_len + 1;
        if (line_len && line[line_len - 1] == '\r') line_len--;
        if (line_len == 0) continue;
        const char *colon = memchr(line, ':', line_len);
        if (!colon) return MP_MALFORMED;
        size_t name_len = (size_t)(colon - line);
        const char *value = colon + 1;
        size_t value_len = line_len - name_len - 1;
        while (value_len && (*value == ' ' || *value == '\t')) value++, value_len--;
        if (name_len == 19 && strncasecmp(line, "Content-Disposition", 19) == 0) {
            if (value_len < 9 || strncasecmp(value, "form-data", 9) != 0) return MP_MALFORMED;
            if (header_param(value, value_len, "name", part->name, sizeof part->name) != 0)
                return MP_MALFORMED;
            int f =
                header_param(value, value_len, "filename", part->filename, sizeof part->filename);
            if (f < 0) return MP_MALFORMED;
            part->is_file = f == 0;
            have_disposition = 1;
        } else if (name_len == 12 && strncasecmp(line, "Content-Type", 12) == 0) {
            if (value_len >= sizeof part->content_type) return MP_MALFORMED;
            for (size_t i = 0; i < value_len; i++)
                part->content_type[i] = (char)tolower((unsigned char)value[i]);
            part->content_type[value_len] = '\0';
        }
    }
    return have_disposition ? MP_OK : MP_MALFORMED;
}

multipart_status multipart_parse(const char *content_type, const unsigned char *body, size_t len,
                                 multipart_form *form) {
    memset(form, 0, sizeof *form);
    if (!content_type || !media_type_is(content_type, "multipart/form-data"))
        return MP_NOT_MULTIPART;
    char boundary[80];
    if (header_param(content_type, strlen(content_type), "boundary", boundary, sizeof boundary) !=
            0 ||
        !valid_boundary(boundary))
        return MP_NO_BOUNDARY;
    char delim[84];
    size_t dlen = (size_t)snprintf(delim, sizeof delim, "--%s", boundary);
    const unsigned char *end = body + len;

    /* The first delimiter may start the body or follow a preamble line. */
    const unsigned char *p = NULL;
    if (len >= dlen && memcmp(body, delim, dlen) == 0) {
        p = body;
    } else {
        char crlf_delim[88];
        size_t clen = (size_t)snprintf(crlf_delim, sizeof crlf_delim, "\r\n%s", delim);
        const unsigned char *hit = memmem(body, len, crlf_delim, clen);
        if (!hit) return MP_MALFORMED;
        p = hit + 2;
    }
    for (;;) {
        p += dlen; /* at the end of a delimiter */
        if (end - p >= 2 && p[0] == '-' && p[1] == '-') return form->count ? MP_OK : MP_MALFORMED;
        while (p < end && (*p == ' ' || *p == '\t')) p++; /* transport padding */
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
            p += 2;
        else if (p < end && *p == '\n')
            p += 1;
        else
            return MP_MALFORMED;
        if (form->count >= MULTIPART_MAX_PARTS) return MP_TOO_MANY_PARTS;
        size_t remaining = (size_t)(end - p);
        size_t window = remaining < MULTIPART_MAX_HEADER + 4 ? remaining : MULTIPART_MAX_HEADER + 4;
        const unsigned char *hdr_end = memmem(p, window, "\r\n\r\n", 4);
        size_t sep = 4;
        if (!hdr_end) {
            hdr_end = memmem(p, window, "\n\n", 2);
            sep = 2;
        }
        if (!hdr_end) return window < remaining ? MP_HEADER_TOO_LONG : MP_MALFORMED;
        multipart_part *part = &form->parts[form->count];
        multipart_status st = parse_part_headers((const char *)p, (size_t)(hdr_end - p), part);
        if (st != MP_OK) return st;
        const unsigned char *data = hdr_end + sep;
        char next[88];
        size_t nlen = (size_t)snprintf(next, sizeof next, "\r\n%s", delim);
        const unsigned char *stop = memmem(data, (size_t)(end - data), next, nlen);
        if (!stop) return MP_MALFORMED; /* truncated: no closing delimiter */
        part->data = data;
        part->len = (size_t)(stop - data);
        form->count++;
        p = stop + 2;
    }
}

const multipart_part *multipart_get(const multipart_form *form, const char *name) {
    for (size_t i = 0; i < form->count; i++) {
        if (strcmp(form->parts[i].name, name) == 0) return &form->parts[i];
    }
    return NULL;
}

int multipart_get_text(const multipart_form *form, const char *name, char *out, size_t len) {
    const multipart_part *p = multipart_get(form, name);
    if (!p || len == 0) return -1;
    const unsigned char *b = p->data, *e = p->data + p->len;
    while (b < e && isspace(*b)) b++;
    while (e > b && isspace(e[-1])) e--;
    size_t n = (size_t)(e - b);
    if (n >= len || memchr(b, '\0', n)) return -1;
    memcpy(out, b, n);
    out[n] = '\0';
    return 0;
}
