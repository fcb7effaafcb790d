DROP TABLE facet_counts;
