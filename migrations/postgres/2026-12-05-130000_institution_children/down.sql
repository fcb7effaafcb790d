DROP INDEX institutions_parent;
