/* Synthetic MyKad fronts for tests and evaluation (issue 5). No real MyKad image exists in the
 * shared data, so these cards are drawn: a layout after public descriptions of the card (header
 * "KAD PENGENALAN MALAYSIA", the IC number large at the top left, the chip, the portrait on the
 * right, name and address at the bottom left, citizenship, religion and sex at the bottom right),
 * DejaVu fonts from Debian, a greyscale portrait cut from an LFW image, and random but valid
 * data: an IC number YYMMDD-PB-###G whose birth date, place-of-birth code and last digit agree
 * with the printed sex, and an address whose postcode, town and state belong together.
 * They are synthetic: docs/accuracy.md says so wherever they are used.
 *
 * Usage: build/mykad-gen --out DIR --faces DIR [--count N] [--seed S] [--photo] [--png]
 *                        [--ghost PERCENT [--ghost-colour PERCENT]] [--edit-ic PERCENT]
 *                        [--edit-religion PERCENT]
 *   DIR gets card_NNNN.jpg and card_NNNN.json (the truth: every field, the face file, and the
 *   card's corners in the image). --photo puts the card on a table, turned and scaled, like a
 *   phone photo; without it the image is the card alone; --png writes lossless PNG instead of
 *   JPEG quality 88–94. --faces is a folder of person folders
 *   of JPEGs (LFW layout). --ghost also prints a small faded "ghost" copy of the portrait
 *   between the chip and the portrait (where on a real MyKad is not known to us: the reader
 *   does not depend on it), and on PERCENT % of the cards the main portrait is another
 *   person's, as a forger who pasted a new photo would leave it (truth: "ghostFace",
 *   "substituted").
 *   --ghost-colour PERCENT (with --ghost): on PERCENT % of the cards the ghost is printed in the
 *   photo's colours, as a colour printer would, where the card's laser engraving makes it grey
 *   (truth: "ghostColour").
 *   --edit-religion PERCENT: on PERCENT % of the cards that print no religion, ISLAM is added
 *   under WARGANEGARA and the sex word reprinted a line lower, as a forger would, in another
 *   bold sans at the same height, 10 % smaller or larger, the regular weight, or 5-9 pixels
 *   off the column's left edge or the lines' pitch (truth: "religionEdit" {"kind"}).
 *   --edit-ic PERCENT: on PERCENT % of the cards one or two digits of the IC number are
 *   changed and printed differently from the rest, as a forger who edits a number would: in
 *   another bold sans typeface at the same height, 10 % smaller or larger, 3-5 pixels off the
 * baseline, or in the regular instead of the bold weight (truth: "icEdit" {"kind", "digits"};
 * "icNumber" is the number as printed). */
#include <cairo.h>
#include <dirent.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kyc/mykad.h"
#include "vision/image.h"

#define CARD_W 1012 /* 85.6 mm at 300 dpi */
#define CARD_H 638

/* ---- a small seeded generator (xorshift64*), so a seed always draws the same cards ---- */
static uint64_t rng_state;

static uint32_t rnd(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ULL) >> 32);
}

static int rnd_range(int lo, int hi) { /* inclusive */
    return lo + (int)(rnd() % (uint32_t)(hi - lo + 1));
}

static double rnd_unit(void) {
    return rnd() / 4294967296.0;
}

#define PICK(arr) (arr[rnd() % (sizeof arr / sizeof arr[0])])

/* ---- the person ---- */
static const char *const malay_m[] = {"AHMAD",   "MUHAMMAD", "MOHD FAIZAL", "AZMAN",   "HAFIZ",
                                      "IBRAHIM", "KAMARUL",  "ZULKIFLI",    "RIDZUAN", "SYAHMI"};
static const char *const malay_f[] = {"SITI AISYAH", "NURUL IZZAH", "FATIMAH",
                                      "AMIRA",       "NOR HAYATI",  "ZAINAB",
                                      "FARAH",       "NUR AIN",     "HALIMAH"};
static const char *const fathers[] = {"ABDULLAH", "ISMAIL",   "OTHMAN", "HASSAN", "YUSOF",
                                      "RAHMAN",   "SULAIMAN", "IDRIS",  "MAHMUD", "ZAKARIA"};
static const char *const chinese_family[] = {"TAN", "LIM", "LEE", "WONG", "CHONG", "NG", "LIEW"};
static const char *const chinese_given[] = {"WEI MING",   "MEI LING", "KAH HOE", "SIEW YIN",
                                            "CHEE KEONG", "HUI SHAN", "JUN HAO", "PEI WEN"};
static const char *const indian_m[] = {"RAJESH", "SURESH", "KUMAR", "GANESAN", "ARUL"};
static const char *const indian_f[] = {"PRIYA", "KAVITHA", "SHANTHI", "DEVI", "MALAR"};
static const char *const indian_fathers[] = {"MUTHU", "RAMASAMY", "SUBRAMANIAM", "KRISHNAN"};

static const struct {
    const char *postcode, *town, *state;
    int place_code; /* a place-of-birth code of the same state */
} places[] = {
    {"50480", "KUALA LUMPUR", "W.P. KUALA LUMPUR", 14},
    {"47000", "SUNGAI BULOH", "SELANGOR", 10},
    {"43000", "KAJANG", "SELANGOR", 41},
    {"81300", "SKUDAI", "JOHOR", 1},
    {"80100", "JOHOR BAHRU", "JOHOR", 22},
    {"10200", "GEORGE TOWN", "PULAU PINANG", 7},
    {"30000", "IPOH", "PERAK", 8},
    {"88000", "KOTA KINABALU", "SABAH", 12},
    {"93000", "KUCHING", "SARAWAK", 13},
    {"25000", "KUANTAN", "PAHANG", 6},
    {"15000", "KOTA BHARU", "KELANTAN", 3},
    {"20000", "KUALA TERENGGANU", "TERENGGANU", 11},
    {"70000", "SEREMBAN", "NEGERI SEMBILAN", 5},
    {"75000", "MELAKA", "MELAKA", 4},
    {"05000", "ALOR SETAR", "KEDAH", 2},
    {"01000", "KANGAR", "PERLIS", 9},
    {"62000", "PUTRAJAYA", "W.P. PUTRAJAYA", 16},
    {"87000", "LABUAN", "W.P. LABUAN", 15},
};
static const char *const streets[] = {"JALAN MAWAR",   "JALAN SETIA",     "JALAN BUNGA RAYA",
                                      "JALAN MERDEKA", "JALAN CEMPAKA",   "LORONG DAMAI",
                                      "JALAN PERDANA", "JALAN SERI INDAH"};
static const char *const estates[] = {"TAMAN SRI MUDA",  "TAMAN MELATI", "KAMPUNG BARU",
                                      "TAMAN DESA JAYA", "BANDAR BARU",  "TAMAN UNIVERSITI"};

/* How an edited digit of the IC number is printed (--edit-ic) */
typedef enum { EDIT_TYPEFACE = 0, EDIT_SIZE, EDIT_BASELINE, EDIT_WEIGHT, EDIT_KINDS } edit_kind;
static const char *const edit_kind_names[EDIT_KINDS] = {"typeface", "size", "baseline", "weight"};
static const char *const other_typefaces[] = {"Liberation Sans", "FreeSans",
                                              "DejaVu Sans Condensed", "Liberation Sans Narrow"};

/* An added religion line (--edit-religion); EDIT_BASELINE moves the forger's lines off the
 * column's left edge or its pitch */
static const char *const religion_kind_names[EDIT_KINDS] = {"typeface", "size", "position",
                                                            "weight"};
typedef struct {
    bool on;
    edit_kind kind;
    const char *face;
    double scale, dx, dy;
} religion_edit;

typedef struct {
    int count;  /* 0: the number is printed as one string, untouched */
    int pos[2]; /* positions in person.ic (not dashes) */
    edit_kind kind;
    const char *face; /* EDIT_TYPEFACE: the other typeface */
    double scale;     /* EDIT_SIZE */
    double shift;     /* EDIT_BASELINE: pixels, + is down */
} ic_edit;

typedef struct {
    char ic[15];          /* YYMMDD-PB-###G */
    char name[96];        /* lines joined with ^ */
    char address[200];    /* lines joined with ^ */
    char sex;             /* M / F */
    const char *religion; /* "ISLAM" or NULL (not printed) */
    int year, month, day, place_code;
} person;

static void make_name(person *p, int group) {
    bool male = p->sex == 'M';
    if (group == 0) /* Malay: given name BIN/BINTI father */
        snprintf(p->name, sizeof p->name, "%s %s %s", male ? PICK(malay_m) : PICK(malay_f),
                 male ? "BIN" : "BINTI", PICK(fathers));
    else if (group == 1)
        snprintf(p->name, sizeof p->name, "%s %s", PICK(chinese_family), PICK(chinese_given));
    else
        snprintf(p->name, sizeof p->name, "%s %s %s", male ? PICK(indian_m) : PICK(indian_f),
                 male ? "A/L" : "A/P", PICK(indian_fathers));
    /* long names go on two lines, as the card prints them */
    size_t n = strlen(p->name);
    if (n > 22) {
        char *cut = strrchr(p->name, ' ');
        while (cut && cut - p->name > 22) {
            *cut = 0;
            char *prev = strrchr(p->name, ' ');
            *cut = ' ';
            cut = prev;
        }
        if (cut) *cut = '^';
    }
}

static void make_person(person *p) {
    memset(p, 0, sizeof *p);
    p->sex = rnd() % 2 ? 'M' : 'F';
    int group = rnd_range(0, 9) < 6 ? 0 : rnd_range(1, 2);
    p->religion = group == 0 ? "ISLAM" : NULL;
    make_name(p, group);
    int place = (int)(rnd() % (sizeof places / sizeof places[0]));
    p->year = rnd_range(1950, 2008);
    p->month = rnd_range(1, 12);
    p->day = rnd_range(1, 28);
    p->place_code = places[place].place_code;
    int serial = rnd_range(0, 999);
    int last = rnd_range(0, 4) * 2 + (p->sex == 'M');
    snprintf(p->ic, sizeof p->ic, "%02d%02d%02d-%02d-%03d%d", p->year % 100, p->month, p->day,
             p->place_code, serial, last);
    snprintf(p->address, sizeof p->address, "NO %d %s %d^%s^%s %s^%s", rnd_range(1, 199),
             PICK(streets), rnd_range(1, 12), PICK(estates), places[place].postcode,
             places[place].town, places[place].state);
}

/* Changes one or two digits of p->ic to other digits that keep the number plausible, and draws
 * how they will be printed. */
static void plan_ic_edit(person *p, ic_edit *e) {
    /* birth month and day, serial and sex digit: the year and the place code, which the
     * address and the century rule tie to other fields, stay */
    static const int digit_pos[] = {2, 3, 4, 5, 10, 11, 12, 13};
    memset(e, 0, sizeof *e);
    e->count = rnd_range(1, 2);
    e->pos[0] = PICK(digit_pos);
    do e->pos[1] = PICK(digit_pos);
    while (e->pos[1] == e->pos[0]);
    for (int k = 0; k < e->count; k++) {
        char was = p->ic[e->pos[k]];
        for (int tries = 0; tries < 20; tries++) {
            p->ic[e->pos[k]] = (char)('0' + rnd_range(0, 9));
            mykad_ic ic;
            if (p->ic[e->pos[k]] != was && mykad_parse_ic(p->ic, 2100, 12, 31, &ic) == 0 &&
                mykad_ic_plausible(&ic) && ic.sex == p->sex) {
                p->month = ic.birth_month;
                p->day = ic.birth_day;
                break;
            }
            p->ic[e->pos[k]] = was;
        }
    }
    e->kind = (edit_kind)rnd_range(0, EDIT_KINDS - 1);
    e->face = PICK(other_typefaces);
    e->scale = rnd() % 2 ? 0.9 : 1.1;
    e->shift = (rnd() % 2 ? 1 : -1) * (3.0 + 2.0 * rnd_unit());
}

/* ---- faces ---- */
typedef struct {
    char **files;
    size_t count;
} face_list;

static int list_faces(const char *dir, face_list *out) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    size_t cap = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char sub[2048];
        snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
        DIR *s = opendir(sub);
        if (!s) continue;
        struct dirent *f;
        while ((f = readdir(s))) {
            size_t n = strlen(f->d_name);
            if (n < 5 || strcmp(f->d_name + n - 4, ".jpg")) continue;
            if (out->count == cap) {
                cap = cap ? cap * 2 : 256;
                char **grown = realloc(out->files, cap * sizeof *grown);
                if (!grown) break;
                out->files = grown;
            }
            size_t len = strlen(sub) + n + 2;
            char *path = malloc(len);
            if (!path) break;
            snprintf(path, len, "%s/%s", sub, f->d_name);
            out->files[out->count++] = path;
        }
        closedir(s);
    }
    closedir(d);
    /* directory order is not stable across file systems: sort, so a seed means one set */
    for (size_t i = 1; i < out->count; i++)
        for (size_t j = i; j > 0 && strcmp(out->files[j - 1], out->files[j]) > 0; j--) {
            char *t = out->files[j];
            out->files[j] = out->files[j - 1];
            out->files[j - 1] = t;
        }
    return out->count ? 0 : -1;
}

/* The folder part of a face file's path: its person in the LFW layout. */
static size_t person_part(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? (size_t)(slash - path) : 0;
}

/* A face file of someone other than `path`'s person (path itself when there is no one else). */
static const char *other_person(const face_list *faces, const char *path) {
    size_t n = person_part(path);
    for (int tries = 0; tries < 1000; tries++) {
        const char *f = faces->files[rnd() % faces->count];
        if (person_part(f) != n || strncmp(f, path, n) != 0) return f;
    }
    return path;
}

static uint8_t *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = n > 0 ? malloc((size_t)n) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = buf ? (size_t)n : 0;
    return buf;
}

/* The LFW image's central face region, in grey, as a cairo surface. */
static cairo_surface_t *portrait_surface(const char *path, bool colour) {
    size_t len = 0;
    uint8_t *bytes = read_all(path, &len);
    image img = {0};
    char err[128];
    if (!bytes || image_decode(bytes, len, 4000000, &img, err, sizeof err) != IMG_OK) {
        free(bytes);
        return NULL;
    }
    free(bytes);
    /* LFW 250x250: the face is centred; keep 150x190 around it */
    int cw = img.width * 3 / 5, ch = img.height * 19 / 25;
    int x0 = (img.width - cw) / 2, y0 = (img.height - ch) / 2 - img.height / 50;
    if (y0 < 0) y0 = 0;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, cw, ch);
    uint32_t *px = (uint32_t *)cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s) / 4;
    for (int y = 0; y < ch; y++)
        for (int x = 0; x < cw; x++) {
            const uint8_t *p = img.pixels + (size_t)(y0 + y) * img.stride + (size_t)(x0 + x) * 3;
            uint32_t g = (uint32_t)(0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]);
            px[y * stride + x] =
                colour ? (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2] : g << 16 | g << 8 | g;
        }
    cairo_surface_mark_dirty(s);
    image_free(&img);
    return s;
}

/* ---- drawing ---- */
static void text(cairo_t *cr, double x, double y, double size, bool bold, const char *s) {
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
    cairo_move_to(cr, x, y);
    cairo_show_text(cr, s);
}

/* Lines separated by ^, one under the other. */
static void text_lines(cairo_t *cr, double x, double y, double size, double step, const char *s) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    char *save = NULL;
    for (char *line = strtok_r(buf, "^", &save); line; line = strtok_r(NULL, "^", &save)) {
        text(cr, x, y, size, true, line);
        y += step;
    }
}

static void draw_background(cairo_t *cr) {
    cairo_pattern_t *g = cairo_pattern_create_linear(0, 0, CARD_W, CARD_H);
    cairo_pattern_add_color_stop_rgb(g, 0, 0.80, 0.88, 0.96);
    cairo_pattern_add_color_stop_rgb(g, 0.55, 0.93, 0.90, 0.95);
    cairo_pattern_add_color_stop_rgb(g, 1, 0.96, 0.86, 0.86);
    cairo_rectangle(cr, 0, 0, CARD_W, CARD_H);
    cairo_set_source(cr, g);
    cairo_fill(cr);
    cairo_pattern_destroy(g);
    cairo_set_line_width(cr, 1.0); /* fine guilloche-like waves */
    for (int k = 0; k < 18; k++) {
        cairo_set_source_rgba(cr, 0.35, 0.5, 0.75, 0.18);
        double phase = rnd_unit() * 6.28, amp = 6 + k % 5 * 3, base = 30 + k * 34;
        cairo_move_to(cr, 0, base);
        for (int x = 0; x <= CARD_W; x += 8)
            cairo_line_to(cr, x, base + amp * sin(x / 37.0 + phase));
        cairo_stroke(cr);
    }
}

/* A grey face surface painted into the box (x, y, w, h), at `strength` over what is there. */
static void paint_face(cairo_t *cr, cairo_surface_t *face, double x, double y, double w, double h,
                       double strength) {
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_scale(cr, w / cairo_image_surface_get_width(face),
                h / cairo_image_surface_get_height(face));
    cairo_set_source_surface(cr, face, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_BEST);
    cairo_paint_with_alpha(cr, strength);
    cairo_restore(cr);
}

/* The IC number at its place; edited digits (if any) printed the edit's way, each centred on
 * the advance the genuine glyph would take. */
static void draw_ic(cairo_t *cr, const char *ic, const ic_edit *e) {
    const double x0 = 40, y0 = 170, size = 46;
    if (e->count == 0) {
        text(cr, x0, y0, size, true, ic);
        return;
    }
    double x = x0;
    for (int i = 0; ic[i]; i++) {
        char ch[2] = {ic[i], 0};
        cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
        cairo_set_font_size(cr, size);
        cairo_text_extents_t genuine;
        cairo_text_extents(cr, ch, &genuine);
        bool edited = (e->count > 0 && e->pos[0] == i) || (e->count > 1 && e->pos[1] == i);
        if (!edited) {
            text(cr, x, y0, size, true, ch);
        } else {
            const char *family = e->kind == EDIT_TYPEFACE ? e->face : "DejaVu Sans";
            double s = e->kind == EDIT_SIZE ? size * e->scale : size;
            cairo_select_font_face(cr, family, CAIRO_FONT_SLANT_NORMAL,
                                   e->kind == EDIT_WEIGHT ? CAIRO_FONT_WEIGHT_NORMAL
                                                          : CAIRO_FONT_WEIGHT_BOLD);
            cairo_set_font_size(cr, s);
            cairo_text_extents_t own;
            cairo_text_extents(cr, ch, &own);
            if (e->kind == EDIT_TYPEFACE && own.height > 0) { /* a forger matches the height */
                cairo_set_font_size(cr, s * genuine.height / own.height);
                cairo_text_extents(cr, ch, &own);
            }
            double gx = x + genuine.x_bearing + genuine.width / 2 - own.x_bearing - own.width / 2;
            cairo_move_to(cr, gx, y0 + (e->kind == EDIT_BASELINE ? e->shift : 0));
            cairo_show_text(cr, ch);
        }
        x += genuine.x_advance;
    }
}

/* Draws a forger's ISLAM on a card without religion and makes it the person's */
static void plan_religion_edit(person *p, religion_edit *e) {
    e->on = true;
    e->kind = (edit_kind)rnd_range(0, EDIT_KINDS - 1);
    e->face = PICK(other_typefaces);
    e->scale = rnd() % 2 ? 0.9 : 1.1;
    double off = (rnd() % 2 ? 1 : -1) * (5.0 + 4.0 * rnd_unit());
    bool across = rnd() % 2;
    e->dx = e->kind == EDIT_BASELINE && across ? off : 0;
    e->dy = e->kind == EDIT_BASELINE && !across ? off : 0;
    p->religion = "ISLAM";
}

/* A right-column line as the forger prints it */
static void forged_text(cairo_t *cr, const religion_edit *e, double x, double y, const char *s) {
    const double size = 24;
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, size);
    cairo_text_extents_t genuine;
    cairo_text_extents(cr, "H", &genuine);
    double at = size;
    if (e->kind == EDIT_TYPEFACE) {
        cairo_select_font_face(cr, e->face, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
        cairo_text_extents_t own;
        cairo_text_extents(cr, "H", &own);
        if (own.height > 0) at = size * genuine.height / own.height; /* the same cap height */
    } else if (e->kind == EDIT_SIZE) {
        at = size * e->scale;
    } else if (e->kind == EDIT_WEIGHT) {
        cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                               CAIRO_FONT_WEIGHT_NORMAL);
    }
    cairo_set_font_size(cr, at);
    cairo_move_to(cr, x + e->dx, y + e->dy);
    cairo_show_text(cr, s);
}

static void draw_card(cairo_t *cr, const person *p, const ic_edit *edit,
                      const religion_edit *religion, cairo_surface_t *face,
                      cairo_surface_t *ghost) {
    draw_background(cr);
    cairo_set_source_rgb(cr, 0.05, 0.15, 0.45); /* header */
    text(cr, 40, 62, 30, true, "KAD PENGENALAN");
    text(cr, 40, 98, 26, true, "MALAYSIA");
    cairo_set_source_rgb(cr, 0.75, 0.1, 0.1);
    text(cr, 420, 80, 42, true, "MyKad");
    cairo_set_source_rgb(cr, 0.0, 0.0, 0.0); /* the IC number */
    draw_ic(cr, p->ic, edit);
    cairo_pattern_t *chip = cairo_pattern_create_linear(60, 220, 190, 320);
    cairo_pattern_add_color_stop_rgb(chip, 0, 0.85, 0.72, 0.35);
    cairo_pattern_add_color_stop_rgb(chip, 1, 0.65, 0.52, 0.22);
    cairo_rectangle(cr, 60, 215, 130, 100);
    cairo_set_source(cr, chip);
    cairo_fill(cr);
    cairo_pattern_destroy(chip);
    if (face) paint_face(cr, face, 690, 120, 280, 355, 1.0); /* the portrait, at the right */
    if (ghost) paint_face(cr, ghost, 535, 222, 110, 140, 0.45);
    cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
    int name_lines = strchr(p->name, '^') ? 2 : 1;
    text_lines(cr, 40, 400, 27, 33, p->name);
    text_lines(cr, 40, 400 + name_lines * 33 + 8, 22, 27, p->address);
    text(cr, 700, 520, 24, true, "WARGANEGARA");
    if (religion->on) { /* the forger's two lines */
        forged_text(cr, religion, 700, 552, p->religion);
        forged_text(cr, religion, 700, 584, mykad_sex_word(p->sex));
        return;
    }
    if (p->religion) text(cr, 700, 552, 24, true, p->religion);
    text(cr, 700, p->religion ? 584 : 552, 24, true, mykad_sex_word(p->sex));
}

/* ---- output ---- */
static int write_jpeg(cairo_surface_t *s, const char *path, int quality) {
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s) / 4;
    const uint32_t *px = (const uint32_t *)cairo_image_surface_get_data(s);
    image img = {w, h, 3, (size_t)w * 3, malloc((size_t)w * h * 3)};
    if (!img.pixels) return -1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t v = px[y * stride + x];
            uint8_t *o = img.pixels + (size_t)y * img.stride + (size_t)x * 3;
            o[0] = (uint8_t)(v >> 16);
            o[1] = (uint8_t)(v >> 8);
            o[2] = (uint8_t)v;
        }
    uint8_t *jpeg = NULL;
    size_t len = 0;
    int rc = -1;
    if (image_encode_jpeg(&img, quality, &jpeg, &len) == IMG_OK) {
        FILE *f = fopen(path, "wb");
        if (f) {
            rc = fwrite(jpeg, 1, len, f) == len ? 0 : -1;
            if (fclose(f) != 0) rc = -1;
        }
    }
    free(jpeg);
    image_free(&img);
    return rc;
}

/* The card on a table: turned by up to ±12°, 55–75 % of the photo's width; corners in
 * image coordinates into corners[8] (top-left, top-right, bottom-right, bottom-left). */
static cairo_surface_t *photo_of(cairo_surface_t *card, double corners[8]) {
    const int W = 1600, H = 1200;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(s);
    double r = 0.35 + 0.3 * rnd_unit(), g = r * (0.8 + 0.15 * rnd_unit()), b = g * 0.8;
    cairo_pattern_t *table =
        cairo_pattern_create_radial(W / 2.0, H / 2.0, 100, W / 2.0, H / 2.0, W);
    cairo_pattern_add_color_stop_rgb(table, 0, r + 0.1, g + 0.1, b + 0.1);
    cairo_pattern_add_color_stop_rgb(table, 1, r * 0.6, g * 0.6, b * 0.6);
    cairo_set_source(cr, table);
    cairo_paint(cr);
    cairo_pattern_destroy(table);
    double angle = (rnd_unit() * 24.0 - 12.0) * M_PI / 180.0;
    double scale = W * (0.55 + 0.2 * rnd_unit()) / CARD_W;
    double cx = W / 2.0 + (rnd_unit() - 0.5) * 120, cy = H / 2.0 + (rnd_unit() - 0.5) * 90;
    cairo_translate(cr, cx, cy);
    cairo_rotate(cr, angle);
    cairo_scale(cr, scale, scale);
    cairo_translate(cr, -CARD_W / 2.0, -CARD_H / 2.0);
    double pts[8] = {0, 0, CARD_W, 0, CARD_W, CARD_H, 0, CARD_H};
    for (int i = 0; i < 4; i++) {
        corners[2 * i] = pts[2 * i];
        corners[2 * i + 1] = pts[2 * i + 1];
        cairo_user_to_device(cr, &corners[2 * i], &corners[2 * i + 1]);
    }
    cairo_set_source_surface(cr, card, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
    cairo_paint(cr);
    cairo_destroy(cr);
    return s;
}

static json_t *truth(const person *p, const ic_edit *edit, const char *face, const char *ghost,
                     const double corners[8]) {
    mykad_ic ic;
    mykad_parse_ic(p->ic, 2100, 12, 31, &ic);
    json_t *c = json_array();
    for (int i = 0; i < 8; i++) json_array_append_new(c, json_real(corners[i]));
    char birth[11];
    snprintf(birth, sizeof birth, "%04d-%02d-%02d", p->year, p->month, p->day);
    json_t *t = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s?,s:s,s:i,s:s,s:s,s:o}", "icNumber",
                          ic.number, "icFormatted", p->ic, "name", p->name, "address", p->address,
                          "sex", p->sex == 'M' ? "M" : "F", "sexWord", mykad_sex_word(p->sex),
                          "religion", p->religion, "citizenship", "WARGANEGARA", "placeCode",
                          p->place_code, "birthDate", birth, "face", face, "corners", c);
    if (t && ghost) {
        json_object_set_new(t, "ghostFace", json_string(ghost));
        json_object_set_new(t, "substituted", json_boolean(strcmp(ghost, face) != 0));
    }
    if (t && edit->count > 0) { /* digit indices 0-11 of icNumber */
        json_t *digits = json_array();
        for (int k = 0; k < edit->count; k++) {
            int pos = edit->pos[k];
            json_array_append_new(digits, json_integer(pos - (pos > 6) - (pos > 9)));
        }
        json_object_set_new(
            t, "icEdit",
            json_pack("{s:s,s:o}", "kind", edit_kind_names[edit->kind], "digits", digits));
    }
    return t;
}

static void usage(void) {
    fputs("usage: mykad-gen --out DIR --faces DIR [--count N] [--seed S] [--photo] [--png]\n"
          "                 [--ghost PERCENT [--ghost-colour PERCENT]] [--edit-ic PERCENT]\n"
          "                 [--edit-religion PERCENT]\n",
          stderr);
}

int main(int argc, char **argv) {
    static const struct option opts[] = {{"out", required_argument, 0, 'o'},
                                         {"faces", required_argument, 0, 'f'},
                                         {"count", required_argument, 0, 'n'},
                                         {"seed", required_argument, 0, 's'},
                                         {"photo", no_argument, 0, 'p'},
                                         {"png", no_argument, 0, 'g'},
                                         {"ghost", required_argument, 0, 'h'},
                                         {"edit-ic", required_argument, 0, 'e'},
                                         {"ghost-colour", required_argument, 0, 'c'},
                                         {"edit-religion", required_argument, 0, 'r'},
                                         {0, 0, 0, 0}};
    const char *out = NULL, *faces_dir = NULL;
    int count = 20, photo = 0, png = 0, ghost_percent = -1; /* -1: no ghost */
    int edit_percent = -1;                                  /* -1: no edited numbers */
    int colour_percent = -1;                                /* -1: every ghost grey */
    int religion_percent = -1;                              /* -1: no religion added */
    unsigned long long seed = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'o')
            out = optarg;
        else if (c == 'f')
            faces_dir = optarg;
        else if (c == 'n')
            count = atoi(optarg);
        else if (c == 's')
            seed = strtoull(optarg, NULL, 10);
        else if (c == 'p')
            photo = 1;
        else if (c == 'g')
            png = 1;
        else if (c == 'h')
            ghost_percent = atoi(optarg);
        else if (c == 'e')
            edit_percent = atoi(optarg);
        else if (c == 'c')
            colour_percent = atoi(optarg);
        else if (c == 'r')
            religion_percent = atoi(optarg);
        else {
            usage();
            return 2;
        }
    }
    if (!out || !faces_dir || count <= 0 || count > 100000 || ghost_percent > 100 ||
        edit_percent > 100 || colour_percent > 100 || religion_percent > 100) {
        usage();
        return 2;
    }
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
    face_list faces = {0};
    if (list_faces(faces_dir, &faces) != 0) {
        fprintf(stderr, "mykad-gen: no JPEG faces under %s\n", faces_dir);
        return 1;
    }
    mkdir(out, 0755);
    int rc = 0;
    for (int i = 0; i < count && rc == 0; i++) {
        person p;
        make_person(&p);
        const char *face_path = faces.files[rnd() % faces.count], *ghost_path = NULL;
        if (ghost_percent >= 0) { /* drawn only then: without --ghost a seed means the same */
            ghost_path = face_path;
            if (rnd_range(1, 100) <= ghost_percent) face_path = other_person(&faces, ghost_path);
        }
        ic_edit edit = {0};
        if (edit_percent >= 0 && rnd_range(1, 100) <= edit_percent) plan_ic_edit(&p, &edit);
        religion_edit religion = {0};
        if (religion_percent >= 0 && !p.religion && rnd_range(1, 100) <= religion_percent)
            plan_religion_edit(&p, &religion);
        bool ghost_in_colour = ghost_path && colour_percent >= 0 && /* drawn only then */
                               rnd_range(1, 100) <= colour_percent;
        cairo_surface_t *face = portrait_surface(face_path, false);
        cairo_surface_t *ghost = ghost_path ? portrait_surface(ghost_path, ghost_in_colour) : NULL;
        cairo_surface_t *card = cairo_image_surface_create(CAIRO_FORMAT_RGB24, CARD_W, CARD_H);
        cairo_t *cr = cairo_create(card);
        draw_card(cr, &p, &edit, &religion, face, ghost);
        cairo_destroy(cr);
        double corners[8] = {0, 0, CARD_W, 0, CARD_W, CARD_H, 0, CARD_H};
        cairo_surface_t *shot = photo ? photo_of(card, corners) : card;
        char path[2048];
        snprintf(path, sizeof path, "%s/card_%04d.%s", out, i + 1, png ? "png" : "jpg");
        int quality = 88 + rnd_range(0, 6); /* drawn either way: a seed means the same cards */
        if (png ? cairo_surface_write_to_png(shot, path) != CAIRO_STATUS_SUCCESS
                : write_jpeg(shot, path, quality) != 0)
            rc = 1;
        json_t *t = truth(&p, &edit, face_path, ghost_path, corners);
        if (t && religion.on)
            json_object_set_new(t, "religionEdit",
                                json_pack("{s:s}", "kind", religion_kind_names[religion.kind]));
        if (t && ghost_path && colour_percent >= 0)
            json_object_set_new(t, "ghostColour", json_boolean(ghost_in_colour));
        snprintf(path, sizeof path, "%s/card_%04d.json", out, i + 1);
        if (!t || json_dump_file(t, path, JSON_INDENT(1) | JSON_SORT_KEYS) != 0) rc = 1;
        json_decref(t);
        if (shot != card) cairo_surface_destroy(shot);
        cairo_surface_destroy(card);
        if (face) cairo_surface_destroy(face);
        if (ghost) cairo_surface_destroy(ghost);
    }
    for (size_t i = 0; i < faces.count; i++) free(faces.files[i]);
    free(faces.files);
    if (rc == 0) printf("mykad-gen: %d synthetic cards in %s (seed %llu)\n", count, out, seed);
    return rc;
}
