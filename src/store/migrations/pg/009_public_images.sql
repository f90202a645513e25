-- PostgreSQL twin of sqlite/009_public_images.sql.
CREATE TABLE public_images (
    okaydoc_id TEXT NOT NULL,
    type       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    blob_id    TEXT NOT NULL REFERENCES blobs (id) ON DELETE CASCADE,
    journey_id TEXT NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
    PRIMARY KEY (okaydoc_id, type)
);
CREATE INDEX public_images_by_journey ON public_images (journey_id);
