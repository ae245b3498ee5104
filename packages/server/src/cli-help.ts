/** `patter --help`. */
export const CLI_HELP = `patter - put your AI voice agent on the phone

Usage:
  patter serve <agent-module> [--port 8000] [--host 0.0.0.0] [--env-file .env] [--auto-configure]
  patter test  <agent-module> [--env-file .env]
  patter campaign --csv contacts.csv --agent <agent-module> [--from +15550001234,...]
                  [--concurrency 1] [--cps 1] [--max-attempts 1] [--name N] [--port] [--env-file]
  patter --help | --version

Commands:
  serve   Start the server that answers calls with your agent. It prints the local
          URL, the dev phone URL (call the agent from your browser), the health URL
          and the webhook URLs to give your carrier.
  test    Talk to your agent in the terminal (text in, text out; no phone needed).
  campaign  Call every contact of a CSV with your agent: starts the server with campaigns
          on (the call store holds them: .patter/db, or DATABASE_URL), prints progress
          until every contact is done or failed, then stops. Other servers started with
          serve({ fleet: true }) on the same database share the calls and the limits.

Options:
  --port <n>        Port to listen on (default: PORT, else 8000). 0 picks a free port.
  --host <addr>     Interface to bind (default 0.0.0.0, all interfaces).
  --env-file <f>    Load environment variables (API keys) from this file first.
                    Without it, ./.env is loaded when it exists. Variables already set win.
  --auto-configure  serve: point your carrier number's voice webhook at webhookUrl on start
                    (Twilio VoiceUrl; Telnyx number connection + application webhook URL),
                    printing each setting changed (old -> new). Restores nothing on exit.

Campaign options:
  --csv <file>        Contacts: a header row with "to" (E.164), optionally "timeZone"
                      (IANA), and any other columns as the contact's variables ({name}).
  --agent <module>    The agent module (or give it as the argument).
  --from <numbers>    Numbers to dial from, comma-separated (default: phone's phoneNumber).
  --concurrency <n>   Calls of this campaign at once, across the fleet (default 1).
  --cps <n>           Calls started per second per from-number (default 1).
  --max-attempts <n>  Redial busy and unanswered contacts up to n attempts (default 1).
  --name <name>       The campaign's name on the dashboard (default: the CSV's file name).

The agent module (.js, .mjs or .ts) exports two names:

  // agent.ts
  import { Patter } from '@patter/server';
  import { Twilio } from '@patter/twilio';
  import { OpenAIRealtime } from '@patter/openai-realtime';

  export const phone = new Patter({ carrier: new Twilio(), phoneNumber: '+15550001234',
                                    webhookUrl: 'https://your-tunnel.example.com' });
  export const agent = phone.agent({ engine: new OpenAIRealtime(), firstMessage: 'Hello!' });
  // optional: callbacks and limits for serve(), e.g.
  export const serveOptions = { onCallEnd: (call) => console.log(call.reason, call.durationMs) };

No carrier yet? Export phone = new Patter({}) and open the dev phone URL that
serve prints: the browser is the phone (text chat when the agent has no STT/TTS).
Beside a carrier the dev phone is on unless NODE_ENV=production (devPhone: true in
serveOptions turns it on there).

Keys come from the environment (OPENAI_API_KEY, TWILIO_AUTH_TOKEN, ...); see each package's README.
Stop with Ctrl-C or SIGTERM: new calls are refused, running calls may finish (shutdownTimeoutMs),
then the rest are hung up.
`;
