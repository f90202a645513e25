/* OkayDoc's MyKad checks that can be measured on the straightened front (docs/okaydoc.md):
 * - landmarks: the header (KAD PENGENALAN / MALAYSIA) and the MyKad wordmark read where the
 *   layout puts them (score = OCR confidence), and the contact chip's gold area where the
 *   layout puts it (score = share of the chip's expected area, 0-100);
 * - the IC number's print: where the layout puts it, at the layout's size and width, a
 *   plausible number (kyc/mykad.h), the same number as the caller's idNumber when given, and
 *   each digit printed like the others (kyc/ic_print.h);
 * - the religion field printed like the lines around it;
 * - the card type ("New IC": a MyKad front was read).
 * Pure functions of a reading; nothing is logged. */
#ifndef EKYCD_KYC_MYKAD_CHECKS_H
#define EKYCD_KYC_MYKAD_CHECKS_H

#include <stddef.h>

#include "kyc/ic_print.h"
#include "kyc/mykad_reader.h"

/* A digit this many tolerances from the others fails the font check; from 1, cautious */
#define IC_PRINT_FAIL_AT 2.0f

typedef enum { MYKAD_PASS = 0, MYKAD_CAUTIOUS, MYKAD_FAIL } mykad_verdict;

/* Share of the layout's chip area that is gold on the straightened card, 0-100. */
float mykad_chip_score(const image *card);

/* The IC number's print against the layout and, digit by digit, against itself (print: from
 * ic_print_measure on the reading's card; NULL or unmeasured: not judged). id_number (NULL or
 * "") is the number the caller expects. reason gets a short English reason for anything but a
 * pass ("" for a pass), naming the digit when one was printed differently. */
mykad_verdict mykad_font_check(const mykad_reading *r, const ic_print *print, const char *id_number,
                               char *reason, size_t reason_size);

/* The religion field (islamFieldTamperingDetection; semantics inferred, docs/okaydoc.md): the
 * religion line printed like the citizenship line above it (letter height, stem width, left
 * edge) and on the lines' pitch (as far below it as the sex word is below the religion). A
 * religion word added to a card is printed by other means than the card's and rarely matches.
 * An erased religion leaves nothing to measure: a card without a religion line is not judged. */
#define RELIGION_HEIGHT_TOL 0.06f /* relative letter height */
#define RELIGION_STEM_TOL   0.14f /* relative stem width */
#define RELIGION_LEFT_TOL   0.20f /* left edge, in letter heights */
#define RELIGION_PITCH_TOL  0.10f /* the two line gaps' difference, in line pitches */

typedef struct {
    bool performed;
    mykad_verdict verdict;
    float
        deviation; /* the worst measure, in tolerances (>= 1 cautious, >= IC_PRINT_FAIL_AT fail) */
    char reason[160]; /* why not performed, or what deviates; "" for a pass */
} mykad_religion_print;

/* Judges the religion line of reading r on its card (r->card or the page it moved to);
 * detail: the photo's pixels per card pixel. Returns 0, or -1 when out of memory. */
int mykad_religion_check(const mykad_reading *r, const image *card, float detail,
                         mykad_religion_print *out);

/* "Pass" / "Cautious" / "Fail". */
const char *mykad_verdict_name(mykad_verdict v);

#endif
