-- web: console users and their sessions. Sessions live in the database so that several
-- appliances behind one load balancer share them.

CREATE TABLE admin_users (
    id              integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username        text        NOT NULL UNIQUE,
    -- pbkdf2-sha256$<iterations>$<salt, base64>$<hash, base64>; never the password itself
    password_hash   text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    password_set_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE web_sessions (
    -- SHA-256 of the cookie's value: a copy of this table opens no session
    id_hash         bytea       PRIMARY KEY,
    user_id         integer     NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
    -- the synchronizer token every state-changing console request must carry
    csrf_token      text        NOT NULL,
    created_at      timestamptz NOT NULL,
    last_seen_at    timestamptz NOT NULL,
    -- absolute end; the idle end is last_seen_at plus the idle timeout
    expires_at      timestamptz NOT NULL
);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);
