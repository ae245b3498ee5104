import { FakeHttpServer, sineWave, type FakeHttpRequest, type FakeHttpResponse } from '@patter/testing';

export const OPENAI_KEY = 'oa-browser-key';

const chunk = (delta: object, finish: string | null = null) => ({
  id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }],
});

/** OpenAI's streamed chat completion saying `parts`. */
export function say(...parts: string[]): (res: FakeHttpResponse) => void {
  return (res) => void res.sse([chunk({ role: 'assistant', content: '' }), ...parts.map((content) => chunk({ content })), chunk({}, 'stop'), '[DONE]']);
}

export interface ChatBody {
  readonly model: string;
  readonly stream: boolean;
  readonly messages: { readonly role: string; readonly content: string }[];
}

/**
 * OpenAI's chat completions and speech endpoints on one loopback server. Each chat request
 * gets the next script; speech answers `msPerChar` of a 24 kHz PCM16 tone per character,
 * streamed in 100 ms chunks.
 */
export async function fakeOpenAI(options: { chats: ((res: FakeHttpResponse) => void)[]; msPerChar?: number }) {
  const chats = [...options.chats];
  const msPerChar = options.msPerChar ?? 40;
  const chatBodies: ChatBody[] = [];
  const speechTexts: string[] = [];
  const speechRequests: FakeHttpRequest[] = [];
  const authorized = (req: FakeHttpRequest, res: FakeHttpResponse): boolean => {
    if (req.header('authorization') === `Bearer ${OPENAI_KEY}`) return true;
    res.json(401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } });
    return false;
  };
  const server = await FakeHttpServer.start({
    'POST /v1/chat/completions': (req, res) => {
      if (!authorized(req, res)) return;
      const body = req.json() as ChatBody;
      if (body.stream !== true || !Array.isArray(body.messages)) return res.json(400, { error: { message: 'bad request' } });
      chatBodies.push(body);
      const script = chats.shift();
      if (!script) return res.json(500, { error: { message: 'the test scripted no more replies' } });
      script(res);
    },
    'POST /v1/audio/speech': (req, res) => {
      if (!authorized(req, res)) return;
      const body = req.json() as { model?: string; voice?: string; input?: string; response_format?: string };
      if (body.response_format !== 'pcm' || typeof body.input !== 'string' || body.input === '' || !body.model || !body.voice) {
        return res.json(400, { error: { message: 'bad speech request' } });
      }
      speechTexts.push(body.input);
      speechRequests.push(req);
      const tone = sineWave({ frequency: 330, durationMs: body.input.length * msPerChar, sampleRate: 24_000, amplitude: 0.3 });
      const bytes = new Uint8Array(tone.buffer);
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < bytes.byteLength; at += 4800) chunks.push(bytes.subarray(at, at + 4800));
      void res.stream({ headers: { 'content-type': 'application/octet-stream' }, chunks });
    },
  });
  return { server, url: `${server.url}/v1`, chatBodies, speechTexts, speechRequests, close: () => server.close() };
}
