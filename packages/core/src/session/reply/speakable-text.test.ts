import { describe, expect, it } from 'vitest';
import { speakableText } from './speakable-text.js';

describe('speakableText', () => {
  it('drops Markdown markers and keeps the words', () => {
    expect(speakableText('**Great** choice, the *margherita* is `$12.50`.')).toBe('Great choice, the margherita is $12.50.');
    expect(speakableText('## Opening hours')).toBe('Opening hours');
    expect(speakableText('- Pasta')).toBe('Pasta');
    expect(speakableText('See [our menu](https://acme.example.com/menu).')).toBe('See our menu.');
  });

  it('leaves plain text, URLs, maths and snake_case alone', () => {
    const plain = 'Call 555-0100 or visit https://acme.example.com/a_b, 2 * 3 = 6.';
    expect(speakableText(plain)).toBe(plain);
  });
});
