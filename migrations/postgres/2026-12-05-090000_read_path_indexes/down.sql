DROP INDEX plan_risks_plan;
DROP INDEX plan_participants_plan;
DROP INDEX plan_sections_plan;
DROP INDEX institution_roles_plan;
DROP INDEX progress_updates_percent_asc;
DROP INDEX progress_updates_percent_desc;
