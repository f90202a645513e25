/* MyKad front reader: card → straightened image → sparse-text OCR → fields by layout. */
#include "kyc/mykad_reader.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINES 96
#define MIN_LINE_CONF                                                                              \
    40.0f /* name and address lines below this are usually the chip, the photo                     \
           * or the guilloche (fixed words and the IC number are matched                           \
           * strictly enough to use every line) */
#define NAME_MAX_LINES 3

/* Regions of the straightened card, as fractions of its size (the public MyKad layout) */
#define HEADER_BOTTOM 0.30f /* KAD PENGENALAN / MALAYSIA / MyKad above this */
#define LOWER_HALF    0.50f /* name, address, citizenship, religion, sex below this */
#define LEFT_COLUMN   0.55f /* name and address start left of this */
#define RIGHT_COLUMN  0.50f /* citizenship, religion and sex start right of this */

const mykad_ic_zone mykad_layout_ic = {
    .x0_max = (int)(0.12f * MYKAD_CARD_W),
    .y_centre_min = (int)(0.16f * MYKAD_CARD_H),
    .y_centre_max = (int)(0.36f * MYKAD_CARD_H),
    .min_h = (int)(0.045f * MYKAD_CARD_H),
    .max_h = (int)(0.10f * MYKAD_CARD_H),
};

static const char *const address_starts[] = {
    "NO",          "LOT",   "JALAN",      "JLN",    "KAMPUNG", "KG",        "TAMAN",
    "TMN",         "BLOK",  "BLK",        "UNIT",   "LORONG",  "LRG",       "BATU",
    "PERSIARAN",   "RUMAH", "PETI",       "PPR",    "FELDA",   "APARTMENT", "KUARTERS",
    "KONDOMINIUM", "FLAT",  "PANGSAPURI", "SIMPANG"};

static const char *const religions[] = {"ISLAM", "KRISTIAN", "BUDDHA", "HINDU"};

typedef struct {
    const ocr_text_line *line;
    char key[OCR_LINE_MAX]; /* upper case, spaces removed */
    float cy;               /* vertical centre, fraction of the card's height */
    float x0;               /* left edge, fraction of the card's width */
} line_info;

static void upper_no_spaces(const char *s, char *out, size_t cap) {
    size_t n = 0;
    for (; *s && n + 1 < cap; s++)
        if (*s != ' ') out[n++] = (char)toupper((unsigned char)*s);
    out[n] = '\0';
}

/* Levenshtein distance of two short strings (each cut to 40 characters). */
static int edit_distance(const char *a, size_t la, const char *b, size_t lb) {
    if (la > 40) la = 40;
    if (lb > 40) lb = 40;
    int row[41];
    for (size_t j = 0; j <= lb; j++) row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int best = diag + cost;
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* True when `key` holds `word` with at most one error in five characters. */
static bool contains_fuzzy(const char *key, const char *word) {
    size_t lk = strlen(key), lw = strlen(word);
    int allowed = (int)lw / 5;
    if (allowed < 1) allowed = lw >= 5 ? 1 : 0;
    for (size_t len = lw > 1 ? lw - 1 : lw; len <= lw + 1; len++)
        for (size_t start = 0; start + len <= lk; start++)
            if (edit_distance(key + start, len, word, lw) <= allowed) return true;
    return false;
}

/* ---- IC number ---- */

static bool ic_char(char c) {
    return isdigit((unsigned char)c) || strchr("OQDILZSGTB|-", c) != NULL;
}

/* The best IC number in a line's key; 0 none, 1 shaped, 2 plausible. */
static int find_ic(const char *key, int ty, int tm, int td, mykad_ic *out) {
    int best = 0, best_corr = 99;
    size_t n = strlen(key);
    for (size_t start = 0; start < n; start++) {
        if (!ic_char(key[start]) || key[start] == '-') continue;
        for (size_t len = 12; len <= 14 && start + len <= n; len++) {
            char window[16];
            memcpy(window, key + start, len);
            window[len] = '\0';
            mykad_ic ic;
            if (mykad_parse_ic(window, ty, tm, td, &ic) != 0 || ic.corrections > 3) continue;
            int score = mykad_ic_plausible(&ic) ? 2 : 1;
            if (score > best || (score == best && ic.corrections < best_corr)) {
                best = score, best_corr = ic.corrections;
                *out = ic;
            }
        }
    }
    return best;
}

/* ---- fields ---- */

static bool letters_line(const char *text) {
    int alnum = 0, total = 0;
    for (const char *p = text; *p; p++) {
        if (*p == ' ') continue;
        total++;
        if (isalnum((unsigned char)*p)) alnum++;
    }
    return alnum >= 2 && alnum * 10 >= total * 7;
}

static bool has_digit(const char *s) {
    for (; *s; s++)
        if (isdigit((unsigned char)*s)) return true;
    return false;
}

static bool starts_address(const char *text) {
    char word[24];
    size_t n = 0;
    while (text[n] && text[n] != ' ' && n + 1 < sizeof word) {
        word[n] = (char)toupper((unsigned char)text[n]);
        n++;
    }
    word[n] = '\0';
    for (size_t i = 0; i < sizeof address_starts / sizeof address_starts[0]; i++)
        if (!strcmp(word, address_starts[i])) return true;
    return has_digit(text);
}

/* Appends a line to a ^-joined field in upper case, without stray punctuation at its ends. */
static void append_line(char *field, size_t cap, const char *text) {
    const char *start = text, *end = text + strlen(text);
    while (start < end && !isalnum((unsigned char)*start) && *start != '(') start++;
    while (end > start && !isalnum((unsigned char)end[-1]) && end[-1] != ')' && end[-1] != '.')
        end--;
    if (start == end) return;
    size_t n = strlen(field);
    if (n && n + 1 < cap) field[n++] = '^';
    for (const char *p = start; p < end && n + 1 < cap; p++)
        field[n++] = (char)toupper((unsigned char)*p);
    field[n] = '\0';
}

static int by_top(const void *a, const void *b) {
    const line_info *x = a, *y = b;
    return (x->line->y0 > y->line->y0) - (x->line->y0 < y->line->y0);
}

/* Name then address from the lower-left lines (sorted top to bottom). */
static void name_and_address(line_info *zone, int n, mykad_reading *out) {
    qsort(zone, (size_t)n, sizeof *zone, by_top);
    int split = n;
    for (int i = 0; i < n; i++)
        if (starts_address(zone[i].line->text)) {
            split = i;
            break;
        }
    if (split == n && n > 1) { /* no address-like line: the widest gap between lines */
        int gap = -1;
        for (int i = 1; i < n; i++) {
            int g = zone[i].line->y0 - zone[i - 1].line->y1;
            if (g > gap) gap = g, split = i;
        }
    }
    if (split > NAME_MAX_LINES) split = NAME_MAX_LINES;
    for (int i = 0; i < n; i++)
        if (i < split)
            append_line(out->name, sizeof out->name, zone[i].line->text);
        else
            append_line(out->address, sizeof out->address, zone[i].line->text);
}

static mykad_box box_of(const ocr_text_line *l) {
    return (mykad_box){l->x0, l->y0, l->x1 - l->x0, l->y1 - l->y0};
}

static void right_column_word(const line_info *l, mykad_reading *out) {
    if (!out->citizenship[0] && contains_fuzzy(l->key, "WARGANEGARA")) {
        snprintf(out->citizenship, sizeof out->citizenship, "WARGANEGARA");
        out->citizenship_box = box_of(l->line);
    }
    if (!out->sex_word[0] && contains_fuzzy(l->key, "PEREMPUAN")) {
        snprintf(out->sex_word, sizeof out->sex_word, "PEREMPUAN");
        out->sex_box = box_of(l->line);
    } else if (!out->sex_word[0] && contains_fuzzy(l->key, "LELAKI")) {
        snprintf(out->sex_word, sizeof out->sex_word, "LELAKI");
        out->sex_box = box_of(l->line);
    }
    for (size_t i = 0; !out->religion[0] && i < sizeof religions / sizeof religions[0]; i++)
        if (contains_fuzzy(l->key, religions[i])) {
            snprintf(out->religion, sizeof out->religion, "%s", religions[i]);
            out->religion_box = box_of(l->line);
        }
}

/* Assigns the OCR lines of the straightened card to fields. */
static void assign_fields(const ocr_text_line *lines, int count, int ty, int tm, int td,
                          mykad_reading *out) {
    line_info info[MAX_LINES], zone[MAX_LINES];
    int used = 0, zone_n = 0, best_ic = 0;
    float conf = 0;
    for (int i = 0; i < count && used < MAX_LINES; i++) {
        if (!letters_line(lines[i].text)) continue;
        line_info *l = &info[used++];
        l->line = &lines[i];
        upper_no_spaces(lines[i].text, l->key, sizeof l->key);
        l->cy = (float)(lines[i].y0 + lines[i].y1) / 2.0f / MYKAD_CARD_H;
        l->x0 = (float)lines[i].x0 / MYKAD_CARD_W;
        conf += lines[i].confidence;
    }
    out->ocr_confidence = used ? conf / (float)used : 0;
    int ic_line = -1;
    for (int i = 0; i < used; i++) {
        mykad_ic ic;
        int score = find_ic(info[i].key, ty, tm, td, &ic);
        if (score > best_ic) best_ic = score, out->ic = ic, ic_line = i;
    }
    if (ic_line >= 0) {
        const ocr_text_line *l = info[ic_line].line;
        out->ic_read = true;
        out->ic_box = box_of(l);
    }
    bool header[3] = {false, false, false};
    for (int i = 0; i < used; i++) {
        const line_info *l = &info[i];
        if (i == ic_line) continue;
        if (l->cy < HEADER_BOTTOM) {
            bool title = contains_fuzzy(l->key, "KADPENGENALAN"),
                 country = contains_fuzzy(l->key, "MALAYSIA"),
                 logo = contains_fuzzy(l->key, "MYKAD");
            header[0] = header[0] || title;
            header[1] = header[1] || country;
            header[2] = header[2] || logo;
            if ((title || country) && l->line->confidence > out->header_confidence)
                out->header_confidence = l->line->confidence;
            if (logo && l->line->confidence > out->logo_confidence)
                out->logo_confidence = l->line->confidence;
        } else if (l->cy >= LOWER_HALF && l->x0 >= RIGHT_COLUMN) {
            right_column_word(l, out);
        } else if (l->cy >= LOWER_HALF && l->x0 < LEFT_COLUMN &&
                   l->line->confidence >= MIN_LINE_CONF &&
                   (ic_line < 0 || l->line->y0 > info[ic_line].line->y1)) {
            zone[zone_n++] = *l;
        }
    }
    out->header_words = header[0] + header[1] + header[2];
    name_and_address(zone, zone_n, out);
}

/* Straightens the card at q and reads it into out. */
static int read_card(ocr_engine *text, const image *img, const card_quad *q, int ty, int tm, int td,
                     mykad_reading *out) {
    out->quad = *q;
    if (card_warp(img, q, MYKAD_CARD_W, MYKAD_CARD_H, &out->card) != IMG_OK) return -1;
    image grey;
    const image *g = &out->card;
    if (out->card.channels != 1) {
        if (image_to_grey(&out->card, &grey) != IMG_OK) return -1;
        g = &grey;
    }
    ocr_text_line *lines = malloc(sizeof *lines * MAX_LINES);
    int count = 0, rc = -1;
    if (lines && ocr_read_text(text, g->pixels, g->width, g->height, (int)g->stride, lines,
                               MAX_LINES, &count) == 0) {
        assign_fields(lines, count, ty, tm, td, out);
        out->found =
            out->ic_read && (out->header_words > 0 || out->citizenship[0] || out->sex_word[0]);
        rc = 0;
    }
    free(lines);
    if (g == &grey) image_free(&grey);
    return rc;
}

int mykad_read(ocr_engine *text, const image *img, int today_year, int today_month, int today_day,
               mykad_reading *out) {
    memset(out, 0, sizeof *out);
    card_quad found_quad;
    int found = card_find(img, &found_quad);
    if (found < 0) return -1;
    /* the card found, then (its edges may have been something else card-shaped, such as the
     * portrait of a scan) the whole image; each upright, then upside down */
    card_quad candidates[2];
    int n = 0;
    if (found == 1) candidates[n++] = found_quad;
    candidates[n++] = card_whole_image(img);
    for (int c = 0; c < n && !out->found; c++)
        for (int turn = 0; turn < 2 && !out->found; turn++) {
            mykad_reading attempt;
            memset(&attempt, 0, sizeof attempt);
            attempt.edge_found = found == 1 && c == 0;
            card_quad q = turn ? card_turned(&candidates[c]) : candidates[c];
            if (read_card(text, img, &q, today_year, today_month, today_day, &attempt) != 0) {
                mykad_reading_free(&attempt);
                mykad_reading_free(out);
                return -1;
            }
            bool better =
                (c == 0 && turn == 0) || attempt.found || (attempt.ic_read && !out->ic_read);
            if (better) {
                mykad_reading_free(out);
                *out = attempt;
            } else {
                mykad_reading_free(&attempt);
            }
        }
    return 0;
}

void mykad_reading_free(mykad_reading *r) {
    image_free(&r->card);
    memset(r, 0, sizeof *r);
}
