import { FormData } from 'undici';

export type FormFieldValue = string | number | boolean | readonly string[] | undefined;

export interface AudioFileOptions {
  /** Default `audio.wav`: an extension-bearing name lets the server identify the format. */
  readonly filename?: string;
  /** Default `audio/wav`. */
  readonly contentType?: string;
  /** The name of the file part. Default `file`. */
  readonly field?: string;
}

/**
 * A multipart body for an audio upload: the file part plus text fields. Undefined fields are
 * left out; arrays repeat the field name as given (pass `include[]` if the server wants brackets).
 */
export function audioFormData(audio: Uint8Array, fields: Record<string, FormFieldValue>, options: AudioFileOptions = {}): FormData {
  const form = new FormData();
  const file = new Blob([audio], { type: options.contentType ?? 'audio/wav' });
  form.append(options.field ?? 'file', file, options.filename ?? 'audio.wav');
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value as readonly string[]) form.append(name, item);
    else form.append(name, String(value));
  }
  return form;
}
