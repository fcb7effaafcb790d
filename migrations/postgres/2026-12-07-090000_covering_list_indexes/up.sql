-- A plan's commitments, milestones and progress updates in list order, read
-- from the index alone: a JSON page of prepared records reads only ids and
-- sort values (issue 18), and `ORDER BY seq, id` then needs no sort. With
-- `(plan_id, seq)` each row was looked up in the table and the plan's rows
-- sorted again for the id; a milestone's status is in its index too, so
-- `?plan=P&status=S` (its page and its count) stays in the index. An
-- institution's records (`commitments?institution=I`) are found from the
-- roles' index alone, without reading each role's row.
DROP INDEX commitments_plan;
DROP INDEX milestones_plan;
DROP INDEX progress_updates_plan;
CREATE INDEX commitments_plan ON commitments(plan_id, seq, id);
CREATE INDEX milestones_plan ON milestones(plan_id, seq, id, status);
CREATE INDEX progress_updates_plan ON progress_updates(plan_id, seq, id);
DROP INDEX institution_roles_institution;
CREATE INDEX institution_roles_institution ON institution_roles(institution_id, subject_type, role, subject_id);
