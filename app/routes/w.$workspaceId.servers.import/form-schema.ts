import { z } from 'zod'

/** The import form: a file or pasted text (the file wins when both are given). */
export const ImportFormSchema = z
  .object({
    // An empty file input still submits a File of size 0.
    file: z
      .instanceof(File)
      .optional()
      .transform((file) => (file && file.size > 0 ? file : undefined)),
    text: z.string().optional(),
    includeUnreachable: z
      .literal('on')
      .optional()
      .transform((value) => value === 'on'),
  })
  .refine((value) => value.file || value.text?.trim(), {
    path: ['file'],
    message: 'Choose a configuration file, or paste its contents below',
  })
export type ImportForm = z.infer<typeof ImportFormSchema>
