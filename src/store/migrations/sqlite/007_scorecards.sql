-- Per-account scorecard rules per document type (emas.md §4.9, §6), set by `ekycd scorecard set`;
-- without a row the shipped default applies. config is JSON {"configList":[…],"scorecardList":[…]}
-- (rules only, no personal data).
CREATE TABLE scorecard_configs (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    doc_type TEXT NOT NULL,
    config TEXT NOT NULL,
    modified_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, doc_type)
);
