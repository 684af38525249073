/** ajv settings shared by the run-time compile and the precompiled validator, so both agree. */
export const ajvOptions = { allErrors: true, discriminator: true, strict: false } as const;
