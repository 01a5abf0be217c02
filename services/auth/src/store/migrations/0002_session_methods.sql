-- 0002: how each session was authenticated (RFC 8176 amr values, space-separated, e.g.
-- "pwd otp"), so access tokens minted on refresh carry the same amr as the first one.
ALTER TABLE refresh_families ADD COLUMN auth_methods TEXT NOT NULL DEFAULT 'pwd';
