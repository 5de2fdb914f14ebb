-- Custom migration: requests made before expires_at existed lapse as they always did, 14 days after
-- they were made (the column's default would have given them 14 days from the migration).
UPDATE mentorship_requests SET expires_at = requested_at + interval '14 days';
