/* Scorecard (emas.md §4.8, §6): per document type found in the journey, each configured check's
 * status from the latest results of the steps, and the outcome. A check whose component is
 * missing or was not performed is 'F' and says why ("reason"), never an invented metric. The
 * metric behind each checkType: docs/scorecard.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "app.h"
#include "kyc/scorecard.h"
#include "server/auth.h"
#include "server/body.h"
#include "util/timeutil.h"

/* The latest stored response of each step. */
typedef struct {
    json_t *okayid, *okaydoc, *okayface, *okaylive;
    json_t *okaydoc_record; /* with the request's type and docType */
} journey_results;

static void results_free(journey_results *r) {
    json_decref(r->okayid), json_decref(r->okaydoc), json_decref(r->okayface);
    json_decref(r->okaylive), json_decref(r->okaydoc_record);
}

/* Keeps the latest record of each component (results come oldest first). */
static int load_results(store *st, const char *journey_id, journey_results *out) {
    memset(out, 0, sizeof *out);
    store_result *rows = NULL;
    size_t n = 0;
    if (store_result_list(st, journey_id, &rows, &n) != STORE_OK) return -1;
    for (size_t i = 0; i < n; i++) {
        json_t *rec = json_loadb((const char *)rows[i].payload, rows[i].payload_len, 0, NULL);
        json_t *response = json_incref(json_object_get(rec, "response"));
        json_t **slot = !strcmp(rows[i].component, "okayid")     ? &out->okayid
                        : !strcmp(rows[i].component, "okaydoc")  ? &out->okaydoc
                        : !strcmp(rows[i].component, "okayface") ? &out->okayface
                        : !strcmp(rows[i].component, "okaylive") ? &out->okaylive
                                                                 : NULL;
        if (slot && response) {
            json_decref(*slot);
            *slot = json_incref(response);
            if (slot == &out->okaydoc) {
                json_decref(out->okaydoc_record);
                out->okaydoc_record = json_incref(rec);
            }
        }
        json_decref(response);
        json_decref(rec);
    }
    store_results_free(rows, n);
    return 0;
}

/* ---- metrics ---- */

typedef struct {
    bool present;
    double value;
    const char *reason; /* when not present */
} metric;

static metric missing(const char *reason) {
    return (metric){false, 0, reason};
}

static metric value(double v) {
    return (metric){true, v, NULL};
}

/* OkayID fields with one of `types`: how many have Matrix[index] == want, and how many have a
 * non-zero Matrix[index] at all. */
static void count_matrix(json_t *okayid, const int *types, int ntypes, int index, int want,
                         int *hits, int *done) {
    *hits = *done = 0;
    json_t *maps = json_object_get(
        json_object_get(json_array_get(json_object_get(okayid, "result"), 0), "ListVerifiedFields"),
        "pFieldMaps");
    for (size_t i = 0; i < json_array_size(maps); i++) {
        json_t *f = json_array_get(maps, i);
        int type = (int)json_integer_value(json_object_get(f, "wFieldType"));
        for (int t = 0; t < ntypes; t++)
            if (type == types[t]) {
                json_int_t m =
                    json_integer_value(json_array_get(json_object_get(f, "Matrix"), index));
                *done += m != 0;
                *hits += m == want;
            }
    }
}

/* A component's value: Pass 1, Cautious 0.5, Fail 0, a number as is; false when not performed
 * or unreadable. */
static bool component_value(json_t *component, double *out) {
    const char *v = json_string_value(json_object_get(component, "value"));
    if (!v || !strcmp(v, "NotPerformed")) return false;
    if (!strcmp(v, "Pass")) return *out = 1, true;
    if (!strcmp(v, "Cautious")) return *out = 0.5, true;
    if (!strcmp(v, "Fail")) return *out = 0, true;
    char *end = NULL;
    double d = strtod(v, &end);
    return end != v && !*end ? (*out = d, true) : false;
}

/* The value of an OkayDoc method (any of the given codes): the lowest of its performed
 * components (a landmark method holds one score per landmark); none performed or absent is
 * missing. */
static metric okaydoc_value(json_t *okaydoc, const char *const *codes, int ncodes) {
    if (!okaydoc) return missing("no OkayDoc result");
    json_t *list = json_object_get(okaydoc, "methodList");
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *m = json_array_get(list, i);
        const char *code = json_string_value(json_object_get(m, "method"));
        for (int c = 0; code && c < ncodes; c++) {
            if (strcmp(code, codes[c]) != 0) continue;
            json_t *components = json_object_get(m, "componentList");
            bool any = false;
            double lowest = 0, v;
            for (size_t k = 0; k < json_array_size(components); k++)
                if (component_value(json_array_get(components, k), &v)) {
                    lowest = any && lowest < v ? lowest : v;
                    any = true;
                }
            return any ? value(lowest) : missing("not performed by OkayDoc");
        }
    }
    return missing("not requested from OkayDoc");
}

static metric metric_for(const char *check, const journey_results *r) {
    if (!strcmp(check, "facialVerification")) {
        json_t *c = json_object_get(json_object_get(r->okayface, "result_idcard"), "confidence");
        return json_is_number(c) ? value(json_number_value(c)) : missing("no OkayFace result");
    }
    if (!strcmp(check, "liveFaceCheck")) {
        json_t *p = json_object_get(r->okaylive, "probability");
        if (!json_is_number(p))
            p = json_object_get(json_object_get(r->okayface, "imageBestLiveness"), "probability");
        return json_is_number(p) ? value(json_number_value(p))
                                 : missing("no liveness result (OkayLive)");
    }
    if (!strcmp(check, "blacklistFaceSearch")) {
        const char *s = json_string_value(
            json_object_get(json_object_get(r->okayface, "blacklistFaceSearch"), "status"));
        return s ? value(!strcmp(s, "NOT_FOUND") ? 1 : 0) : missing("no OkayFace v2 search");
    }
    if (!strcmp(check, "checkDigitValidation") || !strcmp(check, "mrzVizConsistencyCheck")) {
        /* The result code of the fields together (emas.md §7.4), the reading of §6 under which
         * every value the default rules pass means "all agree" (docs/scorecard.md): the check
         * digits VERIFIED (1) when every one read is verified, else NOT_VERIFIED (2); the MRZ
         * against the visual zone COMPARE_TRUE (3) when the fields compared are all the same,
         * COMPARE_FALSE (4) when one is different. */
        if (!r->okayid) return missing("no OkayID result");
        static const int digits[] = {80, 81, 82, 84}, viz[] = {0, 1, 2, 3, 5, 12};
        int hits, done;
        if (check[0] == 'c') {
            count_matrix(r->okayid, digits, 4, 0, RCF_VERIFIED, &hits, &done);
            return done ? value(hits == done ? RCF_VERIFIED : RCF_NOT_VERIFIED)
                        : missing("no MRZ check digits read");
        }
        count_matrix(r->okayid, viz, 6, 5, RCF_COMPARE_FALSE, &hits, &done);
        return done ? value(hits ? RCF_COMPARE_FALSE : RCF_COMPARE_TRUE)
                    : missing("MRZ-visual comparison not performed");
    }
    static const struct {
        const char *check;
        const char *codes[2];
    } doc_checks[] = {
        {"colorDetection", {"colorDetection", "colorMode"}},
        {"screenDetection", {"screenDetection", "screen"}},
        {"blurrinessDetection", {"blurrinessDetection", "idBlurDetection"}},
        {"brightnessDetection", {"brightnessDetection", "idBrightnessDetc"}},
        {"landmark", {"landmark", "landmark"}},
        {"idNoFontCheck", {"font", "font"}},
        {"microprint", {"microprint", "microprint"}},
        {"hologram", {"hologram", "hologram"}},
        {"holographicPhotoQualityCheck", {"holocolor", "holocolor"}},
        {"holographicPhotoComparision", {"substitution", "substitution"}},
    };
    for (size_t i = 0; i < sizeof doc_checks / sizeof doc_checks[0]; i++)
        if (!strcmp(check, doc_checks[i].check))
            return okaydoc_value(r->okaydoc, doc_checks[i].codes, 2);
    return missing("unknown checkType");
}

/* ---- document types found ---- */

/* An OkayID documentType that names a passport: "Canada - Passport", "Malaysia - ePassport(2017)",
 * "China - Passport (2007) #1" (the model after the country, docs/okayid.md). */
static bool passport_type(const char *document_type) {
    const char *model = strstr(document_type, " - ");
    return model && strstr(model, "Passport") != NULL;
}

/* Up to 2 docTypes: passport (read by OkayID or checked as one by OkayDoc), and the OkayDoc
 * non-passport docType. */
static int doc_types(const journey_results *r, const char *out[2]) {
    int n = 0;
    const char *type = json_string_value(json_object_get(r->okaydoc_record, "type"));
    const char *doc_type = json_string_value(json_object_get(r->okaydoc_record, "docType"));
    const char *read = json_string_value(json_object_get(r->okayid, "documentType"));
    if ((read && passport_type(read)) || (type && !strcmp(type, "passport"))) out[n++] = "passport";
    /* the MyKad ekycd reads is the front of the current card ("New IC") */
    if (type && !strcmp(type, "nonpassport") && doc_type)
        out[n++] = !strcasecmp(doc_type, "mykad") ? "mykad_new" : doc_type;
    return n;
}

/* ---- the rules of an account ---- */

int api_scorecard_parse_json(json_t *lists, scorecard_config *cfg, char *err, size_t errlen) {
    json_t *rules = json_object_get(lists, "configList"),
           *outcomes = json_object_get(lists, "scorecardList");
    const char *r[SCORECARD_MAX_CHECKS], *o[SCORECARD_MAX_OUTCOMES];
    size_t nr = json_array_size(rules), no = json_array_size(outcomes);
    if (!json_is_array(rules) || !json_is_array(outcomes) || nr > SCORECARD_MAX_CHECKS ||
        no > SCORECARD_MAX_OUTCOMES) {
        snprintf(err, errlen,
                 "expected {\"configList\": [up to %d rules], \"scorecardList\": [up "
                 "to %d entries]}",
                 SCORECARD_MAX_CHECKS, SCORECARD_MAX_OUTCOMES);
        return -1;
    }
    for (size_t i = 0; i < nr; i++) r[i] = json_string_value(json_array_get(rules, i));
    for (size_t i = 0; i < no; i++) o[i] = json_string_value(json_array_get(outcomes, i));
    return scorecard_parse(r, (int)nr, o, (int)no, cfg, err, errlen);
}

int api_scorecard_rules(store *st, const store_account *account, const char *doc_type,
                        scorecard_config *cfg, json_t **lists, int64_t *modified_ms) {
    char *text = NULL, err[200];
    store_status ss = store_scorecard_get(st, account->id, doc_type, &text, modified_ms);
    if (ss == STORE_OK) { /* the account's own, validated when it was set */
        json_t *j = json_loads(text, 0, NULL);
        free(text);
        if (!j || api_scorecard_parse_json(j, cfg, err, sizeof err) != 0) {
            json_decref(j);
            return -1;
        }
        *lists = j;
        return 0;
    }
    if (ss != STORE_NOT_FOUND) return -1;
    const char *const *rules, *const *outcomes;
    int nrules, noutcomes;
    if (!scorecard_default(doc_type, &rules, &nrules, &outcomes, &noutcomes)) return 1;
    if (scorecard_parse(rules, nrules, outcomes, noutcomes, cfg, err, sizeof err) != 0) return -1;
    json_t *r = json_array(), *o = json_array();
    for (int i = 0; r && i < nrules; i++) json_array_append_new(r, json_string(rules[i]));
    for (int i = 0; o && i < noutcomes; i++) json_array_append_new(o, json_string(outcomes[i]));
    *lists = json_pack("{s:o,s:o}", "configList", r, "scorecardList", o);
    *modified_ms = account->created_at_ms; /* the defaults apply since the account exists */
    return *lists ? 0 : -1;
}

static json_t *scorecard_for(store *st, const store_account *account, const char *doc_type,
                             const journey_results *r) {
    scorecard_config cfg;
    json_t *lists = NULL;
    int64_t modified;
    if (api_scorecard_rules(st, account, doc_type, &cfg, &lists, &modified) != 0)
        return NULL; /* no scorecard configured for this docType: no entry (§4.8) */
    json_decref(lists);
    char statuses[SCORECARD_MAX_CHECKS + 1];
    json_t *checks = json_array();
    for (int i = 0; i < cfg.rule_count; i++) {
        metric m = metric_for(cfg.rules[i].check, r);
        statuses[i] = scorecard_check_status(&cfg.rules[i], m.present, m.value);
        char status[2] = {statuses[i], '\0'};
        json_t *c = json_pack("{s:s,s:s}", "checkType", cfg.rules[i].check, "checkStatus", status);
        if (c && m.present) json_object_set_new(c, "metric", json_real(m.value));
        if (c && !m.present) json_object_set_new(c, "reason", json_string(m.reason));
        json_array_append_new(checks, c);
    }
    statuses[cfg.rule_count] = '\0';
    return json_pack("{s:s,s:s,s:o}", "scorecardStatus", scorecard_outcome_of(&cfg, statuses),
                     "docType", doc_type, "checkResultList", checks);
}

json_t *api_scorecard_results(store *st, const store_journey *journey) {
    journey_results r;
    if (load_results(st, journey->id, &r) != 0) return NULL;
    store_account account;
    if (store_account_get_by_id(st, journey->account_id, &account) != STORE_OK) {
        results_free(&r);
        return NULL;
    }
    const char *types[2];
    int n = doc_types(&r, types);
    json_t *list = json_array();
    for (int i = 0; list && i < n; i++) {
        json_t *entry = scorecard_for(st, &account, types[i], &r);
        if (entry) json_array_append_new(list, entry);
    }
    results_free(&r);
    return list;
}

void api_scorecard(http_request *req, http_response *res) {
    const char *journey_id = request_query(req, "journeyId");
    json_t *body = NULL;
    if (!journey_id && req->body_len > 0) { /* POST {"journeyId": …} as older clients send */
        body_status bs = body_parse_json(req, &body);
        if (bs != BODY_OK) {
            body_respond_error(res, bs);
            return;
        }
        journey_id = json_get_string(body, "journeyId", 64);
    }
    store_journey journey;
    bool found = api_load_journey(req, res, journey_id ? journey_id : "", 0, &journey);
    json_decref(body);
    if (!found) return;
    json_t *list = api_scorecard_results(req->app->store, &journey);
    if (!list) {
        respond_internal_error(res);
        return;
    }
    respond_json(res, 200,
                 json_pack("{s:s,s:n,s:n,s:o}", "status", "success", "messageCode", "message",
                           "scorecardResultList", list));
}

/* GET /api/ekyc/scorecardConfig (emas.md §4.9): username, password and docType in a JSON body
 * (even on a GET, as the vendor documents) or in the query. */
void api_scorecard_config(http_request *req, http_response *res) {
    json_t *body = NULL;
    if (req->body_len > 0) {
        body_status bs = body_parse_json(req, &body);
        if (bs != BODY_OK) {
            body_respond_error(res, bs);
            return;
        }
    }
    const char *user = body ? json_get_string(body, "username", STORE_USERNAME_MAX) : NULL;
    const char *pass = body ? json_get_string(body, "password", AUTH_PASSWORD_MAX) : NULL;
    const char *doc_type = body ? json_get_string(body, "docType", 64) : NULL;
    if (!user) user = request_query(req, "username");
    if (!pass) pass = request_query(req, "password");
    if (!doc_type) doc_type = request_query(req, "docType");
    store_account account;
    auth_result ar = user && pass && *user && *pass
                         ? auth_check(req->app, user, pass, time_now_ms(), &account)
                         : AUTH_NO_USER;
    if (ar == AUTH_OK || ar == AUTH_BAD_PASSWORD || ar == AUTH_EXPIRED)
        request_audit(req, account.id, NULL);
    const char *code = !user || !pass || !*user || !*pass ? "MISSING_PARAM_CRENDENTIAL"
                       : ar == AUTH_NO_USER               ? "USERNAME_NOT_EXIST"
                       : ar == AUTH_BAD_PASSWORD          ? "INCORRECT_PASSWORD"
                       : ar == AUTH_EXPIRED               ? "ERROR_IDV_EXPIRED"
                       : ar == AUTH_BUSY                  ? "SERVER_BUSY"
                       : ar != AUTH_OK                    ? "Internal Server Error"
                       : !doc_type || !*doc_type          ? "MISSING_ARGUMENT"
                                                          : NULL;
    scorecard_config cfg;
    json_t *lists = NULL;
    int64_t modified = 0;
    int found =
        code ? -1
             : api_scorecard_rules(req->app->store, &account, doc_type, &cfg, &lists, &modified);
    json_decref(body); /* user, pass and doc_type are not used after this */
    if (code && !strcmp(code, "SERVER_BUSY")) {
        api_respond_busy(res);
    } else if ((code && !strcmp(code, "Internal Server Error")) || (!code && found < 0)) {
        respond_internal_error(res);
    } else if (code || found > 0) {
        respond_error_with(res, code ? code : "SCORECARD_NOT_CONFIGURED",
                           json_pack("{s:n}", "messageCode"));
    } else {
        char when[32];
        time_t secs = (time_t)(modified / 1000);
        struct tm tm;
        gmtime_r(&secs, &tm);
        strftime(when, sizeof when, "%d-%b-%Y %H:%M", &tm); /* "01-May-2020 00:00" */
        json_object_set_new(lists, "status", json_string("success"));
        json_object_set_new(lists, "messageCode", json_null());
        json_object_set_new(lists, "message", json_null());
        json_object_set_new(lists, "lastModifiedDate", json_string(when));
        respond_json(res, 200, lists);
        lists = NULL;
    }
    json_decref(lists);
}
