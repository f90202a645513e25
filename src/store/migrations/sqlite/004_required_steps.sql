-- The eKYC steps a journey of this account must have results for before it can be completed
-- (emas.md §4.10: "every eKYC step enabled for the account").
ALTER TABLE accounts ADD COLUMN required_steps TEXT NOT NULL DEFAULT 'okayid,okaydoc,okayface';
