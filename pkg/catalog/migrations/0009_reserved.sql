-- Schema 9: held for a migration of another branch (issues 15–18 were worked in
-- parallel; 0012 was reserved for issue 17). This placeholder changes nothing and is
-- replaced by that branch's file when the branches are merged.
SELECT 1;
