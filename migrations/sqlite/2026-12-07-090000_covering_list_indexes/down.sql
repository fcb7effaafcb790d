DROP INDEX commitments_plan;
DROP INDEX milestones_plan;
DROP INDEX progress_updates_plan;
CREATE INDEX commitments_plan ON commitments(plan_id, seq);
CREATE INDEX milestones_plan ON milestones(plan_id, seq);
CREATE INDEX progress_updates_plan ON progress_updates(plan_id, seq);
DROP INDEX institution_roles_institution;
CREATE INDEX institution_roles_institution ON institution_roles(institution_id, role);
