/* Scorecard rules in the vendor's syntax (emas.md §6) and their evaluation.
 *
 * A configuration is two lists of strings. configList: one rule per check,
 * "checkType@STATUS:cond[,cond...];STATUS:...", STATUS one of P, C, F, a cond ">=0.5", ">75",
 * "<=3", "<1", "=4" or "otherwise"; conditions of one status are OR-ed, statuses are tried in
 * order. scorecardList: "PATTERN=outcome" with PATTERN a string of P/C/F or "otherwise", outcome
 * clear, cautious or suspicious; the first pattern the check statuses (concatenated in
 * configList order) start with gives the outcome. Pure computation; the metrics come from the
 * caller (api/scorecard.c). */
#ifndef EKYCD_KYC_SCORECARD_H
#define EKYCD_KYC_SCORECARD_H

#include <stdbool.h>
#include <stddef.h>

#define SCORECARD_MAX_CHECKS   16
#define SCORECARD_MAX_OUTCOMES 32
#define SCORECARD_MAX_CONDS    8
#define SCORECARD_NAME_MAX     64

typedef enum { SC_GE, SC_GT, SC_LE, SC_LT, SC_EQ, SC_OTHERWISE } scorecard_op;

typedef struct {
    scorecard_op op;
    double value;
} scorecard_cond;

typedef struct {
    char status; /* 'P', 'C' or 'F' */
    scorecard_cond conds[SCORECARD_MAX_CONDS];
    int cond_count;
} scorecard_clause;

typedef struct {
    char check[SCORECARD_NAME_MAX];
    scorecard_clause clauses[3];
    int clause_count;
} scorecard_rule;

typedef struct {
    char pattern[SCORECARD_MAX_CHECKS + 1]; /* "" for otherwise */
    bool otherwise;
    char outcome[16]; /* clear, cautious, suspicious */
} scorecard_outcome;

typedef struct {
    scorecard_rule rules[SCORECARD_MAX_CHECKS];
    int rule_count;
    scorecard_outcome outcomes[SCORECARD_MAX_OUTCOMES];
    int outcome_count;
} scorecard_config;

/* Parses both lists; -1 with the first problem in err (which entry, what is wrong). */
int scorecard_parse(const char *const *config_list, int rules, const char *const *scorecard_list,
                    int outcomes, scorecard_config *out, char *err, size_t errlen);

/* The status of one check for a metric value; a check without a metric (missing component) is
 * 'F'. A value no clause matches is 'F' too. */
char scorecard_check_status(const scorecard_rule *rule, bool present, double value);

/* The outcome for the concatenated statuses ("PPFP"), or "cautious" when no entry matches
 * (the vendor's documented default ends with otherwise=cautious). */
const char *scorecard_outcome_of(const scorecard_config *c, const char *statuses);

/* The shipped default for a docType (passport as documented in emas.md §4.9; mykad_new,
 * mykad_old, mykad_back ekycd's own, docs/scorecard.md), or false when there is none. The lists
 * point to static strings. */
bool scorecard_default(const char *doc_type, const char *const **config_list, int *rules,
                       const char *const **scorecard_list, int *outcomes);

#endif
