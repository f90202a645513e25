/* Issuing states and nationalities as ICAO 9303 codes them: ISO 3166-1 alpha-3, Germany's "D",
 * and ICAO's own codes (British nationals, UN, stateless and refugees, organisations). */
#ifndef EKYCD_KYC_STATES_H
#define EKYCD_KYC_STATES_H

/* English name of the three-character, '<'-padded code, or NULL when it is not a valid code.
 * ICAO's fictitious specimen state UTO is not valid. */
const char *state_name(const char *code);

#endif
