/* A person for build/face-motion's renderer (tools/face-motion) made from a photo file: what the
 * challenge and gaze tests render their sequences from (the committed fixture portraits). */
#ifndef EKYCD_TESTS_FACE_PEOPLE_H
#define EKYCD_TESTS_FACE_PEOPLE_H

#include "testutil.h"
#include "vision/image.h"

/* fm_person_init on the photo at path with engine e; 0, or -1 when unreadable or faceless. */
static inline int tu_load_person(face_engine *e, const char *path, fm_person *p) {
    size_t len = 0;
    unsigned char *bytes = tu_read_file(path, &len);
    image img = {0};
    char err[256];
    int rc = -1;
    if (bytes && image_decode(bytes, len, 20000000, &img, err, sizeof err) == IMG_OK)
        rc = fm_person_init(e, &img, p, err, sizeof err);
    free(bytes);
    image_free(&img);
    return rc;
}

#endif
