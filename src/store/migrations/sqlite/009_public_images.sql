-- Result images served at /public/image/v2/{okayDocId}?type=… and
-- /public/passport/image/{okayDocId}?type=… (emas.md §4.13): which blob answers which
-- (okayDocId, type) under which route kind. Gone with the journey and with the blob.
CREATE TABLE public_images (
    okaydoc_id TEXT NOT NULL,
    type       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    blob_id    TEXT NOT NULL REFERENCES blobs (id) ON DELETE CASCADE,
    journey_id TEXT NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
    PRIMARY KEY (okaydoc_id, type)
);
CREATE INDEX public_images_by_journey ON public_images (journey_id);
