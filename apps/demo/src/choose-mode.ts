/** How the demo runs, and the sentence it prints to say why. */
export type DemoMode =
  | { readonly kind: 'engine'; readonly reason: string }
  | { readonly kind: 'pipeline'; readonly llm: 'openai' | 'anthropic'; readonly reason: string }
  | { readonly kind: 'text'; readonly reason: string };

export type DemoCarrier =
  | { readonly kind: 'twilio'; readonly phoneNumber: string; readonly webhookUrl: string }
  | { readonly kind: 'telnyx'; readonly phoneNumber: string; readonly webhookUrl: string }
  | { readonly kind: 'none'; readonly reason: string };

type Env = Readonly<Record<string, string | undefined>>;

const set = (env: Env, name: string): boolean => (env[name] ?? '').trim() !== '';

/**
 * Picks the agent's mode from the keys present: Deepgram + ElevenLabs + an LLM key → the
 * STT → LLM → TTS pipeline; OpenAI alone → the OpenAI Realtime engine; nothing → text mode
 * with a scripted receptionist (no keys, no network).
 */
export function chooseMode(env: Env): DemoMode {
  const llm = set(env, 'OPENAI_API_KEY') ? 'openai' : set(env, 'ANTHROPIC_API_KEY') ? 'anthropic' : undefined;
  if (set(env, 'DEEPGRAM_API_KEY') && set(env, 'ELEVENLABS_API_KEY') && llm) {
    return { kind: 'pipeline', llm, reason: `DEEPGRAM_API_KEY, ELEVENLABS_API_KEY and an ${llm} key are set: Deepgram → ${llm} → ElevenLabs pipeline` };
  }
  if (set(env, 'OPENAI_API_KEY')) {
    return { kind: 'engine', reason: 'OPENAI_API_KEY is set (without Deepgram + ElevenLabs): OpenAI Realtime speech-to-speech engine' };
  }
  return {
    kind: 'text',
    reason: 'no provider keys are set: text mode with a scripted receptionist (set OPENAI_API_KEY for voice)',
  };
}

/**
 * Puts the demo on a real number when a carrier's variables are set. `PATTER_WEBHOOK_URL`
 * (the public https URL of this server, e.g. an ngrok tunnel) is required then.
 */
export function chooseCarrier(env: Env): DemoCarrier {
  const twilio = set(env, 'TWILIO_ACCOUNT_SID') && set(env, 'TWILIO_AUTH_TOKEN') && set(env, 'TWILIO_PHONE_NUMBER');
  const telnyx = set(env, 'TELNYX_API_KEY') && set(env, 'TELNYX_PHONE_NUMBER');
  if (!twilio && !telnyx) return { kind: 'none', reason: 'no Twilio or Telnyx variables: browser only (the dev phone)' };
  if (!set(env, 'PATTER_WEBHOOK_URL')) {
    throw new Error(
      'PATTER_WEBHOOK_URL is required with a carrier: the public https URL the carrier reaches this server at (e.g. https://abc.ngrok.app)',
    );
  }
  const webhookUrl = env.PATTER_WEBHOOK_URL as string;
  return twilio
    ? { kind: 'twilio', phoneNumber: env.TWILIO_PHONE_NUMBER as string, webhookUrl }
    : { kind: 'telnyx', phoneNumber: env.TELNYX_PHONE_NUMBER as string, webhookUrl };
}
