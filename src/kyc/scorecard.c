/* Scorecard rule parsing and evaluation (emas.md §6). */
#include "kyc/scorecard.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const passport_rules[] = {
    "liveFaceCheck@P:>=0.5;F:otherwise",
    "facialVerification@P:>=75;F:otherwise",
    "mrzVizConsistencyCheck@P:=3,=6;F:otherwise",
    "checkDigitValidation@P:=1,=4;F:otherwise",
};
static const char *const passport_outcomes[] = {
    "F=suspicious",  "PF=suspicious", "PPF=suspicious",
    "PPPF=cautious", "PPPP=clear",    "otherwise=cautious",
};
/* MyKad: ekycd's own defaults over the checks OkayDoc reports for it (docs/scorecard.md) */
static const char *const mykad_front_rules[] = {
    "liveFaceCheck@P:>=0.5;F:otherwise",  "facialVerification@P:>=75;F:otherwise",
    "colorDetection@P:=1;F:otherwise",    "screenDetection@P:=1;F:otherwise",
    "landmark@P:>=60;C:>=30;F:otherwise", "idNoFontCheck@P:=1;C:=0.5;F:otherwise",
};
static const char *const mykad_front_outcomes[] = {
    "F=suspicious",     "PF=suspicious", "PPF=suspicious",     "PPPF=suspicious",
    "PPPPF=suspicious", "PPPPPP=clear",  "otherwise=cautious",
};
static const char *const mykad_back_rules[] = {
    "colorDetection@P:=1;F:otherwise",
    "screenDetection@P:=1;F:otherwise",
    "landmark@P:=1;F:otherwise",
};
static const char *const mykad_back_outcomes[] = {
    "F=suspicious",
    "PF=suspicious",
    "PPP=clear",
    "otherwise=cautious",
};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

bool scorecard_default(const char *doc_type, const char *const **config_list, int *rules,
                       const char *const **scorecard_list, int *outcomes) {
    if (!strcmp(doc_type, "passport")) {
        *config_list = passport_rules, *rules = COUNT(passport_rules);
        *scorecard_list = passport_outcomes, *outcomes = COUNT(passport_outcomes);
    } else if (!strcmp(doc_type, "mykad_new") || !strcmp(doc_type, "mykad_old")) {
        *config_list = mykad_front_rules, *rules = COUNT(mykad_front_rules);
        *scorecard_list = mykad_front_outcomes, *outcomes = COUNT(mykad_front_outcomes);
    } else if (!strcmp(doc_type, "mykad_back")) {
        *config_list = mykad_back_rules, *rules = COUNT(mykad_back_rules);
        *scorecard_list = mykad_back_outcomes, *outcomes = COUNT(mykad_back_outcomes);
    } else {
        return false;
    }
    return true;
}

/* One condition: "otherwise", or an operator and a number that fills the text. */
static int parse_cond(const char *text, size_t len, scorecard_cond *out) {
    if (len == 9 && !strncmp(text, "otherwise", 9)) {
        out->op = SC_OTHERWISE, out->value = 0;
        return 0;
    }
    static const struct {
        const char *text;
        scorecard_op op;
    } ops[] = {{">=", SC_GE}, {"<=", SC_LE}, {">", SC_GT}, {"<", SC_LT}, {"=", SC_EQ}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t n = strlen(ops[i].text);
        if (len <= n || strncmp(text, ops[i].text, n) != 0) continue;
        char number[32];
        if (len - n >= sizeof number) return -1;
        memcpy(number, text + n, len - n);
        number[len - n] = '\0';
        char *end = NULL;
        out->value = strtod(number, &end);
        if (end == number || *end) return -1;
        out->op = ops[i].op;
        return 0;
    }
    return -1;
}

/* "S:cond,cond" */
static int parse_clause(const char *text, size_t len, scorecard_clause *out) {
    if (len < 3 || text[1] != ':' || !strchr("PCF", text[0])) return -1;
    out->status = text[0];
    out->cond_count = 0;
    const char *p = text + 2, *end = text + len;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        if (out->cond_count == SCORECARD_MAX_CONDS ||
            parse_cond(p, (size_t)(stop - p), &out->conds[out->cond_count++]) != 0)
            return -1;
        if (comma && comma + 1 == end) return -1; /* a trailing comma */
        p = comma ? comma + 1 : end;
    }
    return out->cond_count ? 0 : -1;
}

static int parse_rule(const char *text, scorecard_rule *out) {
    const char *at = strchr(text, '@');
    if (!at || at == text || (size_t)(at - text) >= sizeof out->check) return -1;
    memcpy(out->check, text, (size_t)(at - text));
    out->check[at - text] = '\0';
    for (const char *c = out->check; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '_') return -1;
    out->clause_count = 0;
    const char *p = at + 1, *end = at + strlen(at);
    while (p < end) {
        const char *semi = strchr(p, ';');
        const char *stop = semi ? semi : end;
        if (out->clause_count == 3 ||
            parse_clause(p, (size_t)(stop - p), &out->clauses[out->clause_count++]) != 0)
            return -1;
        if (semi && semi + 1 == end) return -1; /* a trailing semicolon */
        p = semi ? semi + 1 : end;
    }
    return out->clause_count ? 0 : -1;
}

static int parse_outcome(const char *text, scorecard_outcome *out) {
    const char *eq = strchr(text, '=');
    if (!eq) return -1;
    size_t n = (size_t)(eq - text);
    out->otherwise = n == 9 && !strncmp(text, "otherwise", 9);
    if (!out->otherwise) {
        if (n == 0 || n > SCORECARD_MAX_CHECKS) return -1;
        for (size_t i = 0; i < n; i++)
            if (!strchr("PCF", text[i])) return -1;
        memcpy(out->pattern, text, n);
    }
    out->pattern[out->otherwise ? 0 : n] = '\0';
    const char *outcome = eq + 1;
    if (strcmp(outcome, "clear") && strcmp(outcome, "cautious") && strcmp(outcome, "suspicious"))
        return -1;
    snprintf(out->outcome, sizeof out->outcome, "%s", outcome);
    return 0;
}

int scorecard_parse(const char *const *config_list, int rules, const char *const *scorecard_list,
                    int outcomes, scorecard_config *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    if (rules < 1 || rules > SCORECARD_MAX_CHECKS) {
        snprintf(err, errlen, "configList needs 1 to %d rules", SCORECARD_MAX_CHECKS);
        return -1;
    }
    if (outcomes < 1 || outcomes > SCORECARD_MAX_OUTCOMES) {
        snprintf(err, errlen, "scorecardList needs 1 to %d entries", SCORECARD_MAX_OUTCOMES);
        return -1;
    }
    for (int i = 0; i < rules; i++)
        if (!config_list[i] || parse_rule(config_list[i], &out->rules[i]) != 0) {
            snprintf(err, errlen, "configList[%d]: expected checkType@P:cond[,cond];F:otherwise",
                     i);
            return -1;
        }
    for (int i = 0; i < outcomes; i++)
        if (!scorecard_list[i] || parse_outcome(scorecard_list[i], &out->outcomes[i]) != 0) {
            snprintf(err, errlen,
                     "scorecardList[%d]: expected PATTERN=clear|cautious|suspicious (PATTERN "
                     "of P, C, F, or otherwise)",
                     i);
            return -1;
        }
    out->rule_count = rules;
    out->outcome_count = outcomes;
    return 0;
}

static bool cond_holds(const scorecard_cond *c, double v) {
    switch (c->op) {
    case SC_GE:
        return v >= c->value;
    case SC_GT:
        return v > c->value;
    case SC_LE:
        return v <= c->value;
    case SC_LT:
        return v < c->value;
    case SC_EQ:
        return v == c->value;
    default:
        return true;
    }
}

char scorecard_check_status(const scorecard_rule *rule, bool present, double value) {
    if (!present) return 'F';
    for (int i = 0; i < rule->clause_count; i++)
        for (int k = 0; k < rule->clauses[i].cond_count; k++)
            if (cond_holds(&rule->clauses[i].conds[k], value)) return rule->clauses[i].status;
    return 'F';
}

const char *scorecard_outcome_of(const scorecard_config *c, const char *statuses) {
    for (int i = 0; i < c->outcome_count; i++) {
        const scorecard_outcome *o = &c->outcomes[i];
        if (o->otherwise || !strncmp(statuses, o->pattern, strlen(o->pattern))) return o->outcome;
    }
    return "cautious";
}
