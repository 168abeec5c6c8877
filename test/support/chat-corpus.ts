// A deterministic stand-in for archived chat text: EN/FR prose, other scripts, code fences, tool JSON,
// emoji, URLs and the odd banner or special-token string. Used by the token-counter tests and benchmark,
// so that both measure the same mix every time without reading real conversations.

export interface CorpusOptions {
  readonly seed: number;
  /** Stop once the UTF-8 size of the messages reaches this many bytes. */
  readonly targetBytes: number;
}

type Random = () => number;

export function generateChatCorpus(options: CorpusOptions): string[] {
  const random = seededRandom(options.seed);
  const messages: string[] = [];
  let bytes = 0;
  while (bytes < options.targetBytes) {
    const message = randomMessage(random);
    messages.push(message);
    bytes += utf8Length(message);
  }
  return messages;
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

// sfc32: small, fast and good enough for test data.
function seededRandom(seed: number): Random {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  return next;
}

function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

// Zipf-like: low indices far more often, as words are in real text.
function pickZipf<T>(random: Random, items: readonly T[]): T {
  const index = Math.floor(items.length ** random()) - 1;
  return items[Math.min(index, items.length - 1)] ?? pick(random, items);
}

function between(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

const englishWords = `the of and to a in is it you that he was for on are with as I his they be at one have this from
or had by hot word but what some we can out other were all there when up use your how said an each she which do their
time if will way about many then them write would like so these her long make thing see him two has look more day could
go come did number sound no most people my over know water than call first who may down side been now find any new work
part take get place made live where after back little only round man year came show every good me give our under name
very through just form sentence great think say help low line differ turn cause much mean before move right boy old too
same tell does set three want air well also play small end put home read hand port large spell add even land here must
big high such follow act why ask men change went light kind off need house picture try us again animal point mother
world near build self earth father database query index table migration schema worker queue job archive export token
message thread summary conversation server client request response error timeout retry connection pool transaction
function variable parameter return value string number array object promise async await module import package version
install build deploy container docker kubernetes cluster node python typescript javascript postgres redis nginx config`
  .split(/\s+/)
  .filter(Boolean);

const englishPhrases = [
  "don't",
  "it's",
  "I'm",
  "we'll",
  "you're",
  "they've",
  "can't",
  "won't",
  "that's",
  "I'd",
  "It's",
  "DON'T",
  "user's",
];

const frenchWords = `le la les de des du un une et est en que qui dans pour pas sur au avec ce il elle nous vous ils sont
plus par son mais comme tout être avoir faire dire aller voir savoir pouvoir falloir vouloir venir prendre arriver
très aussi bien où déjà après être été fête forêt île hôtel garçon français système requête réponse données problème
tâche mémoire élève à côté leçon cœur œuvre sœur naïf Noël où çà déjà voilà peut-être aujourd'hui été réseau serveur
fichier dossier sauvegarde exportation conversation utilisateur résumé analyse paramètre fonction erreur délai
connexion base configuration déploiement vérifier mettre à jour créer supprimer modifier tableau chaîne nombre`
  .split(/\s+/)
  .filter(Boolean);

const frenchElisions = ["l'équipe", "d'accord", "c'est", "qu'il", "n'est", "j'ai", "l'archive", "s'il", "jusqu'à"];

const otherScriptSentences = [
  '我们需要把这个对话归档，然后生成一个摘要。数据库连接池已经满了，请稍后再试。',
  '这个问题的原因是索引缺失，查询速度很慢。',
  'このエラーはタイムアウトが原因です。設定ファイルを確認してください。',
  'データベースの移行が完了しました。ワーカーを再起動します。',
  '카탈로그를 내보내기 전에 데이터베이스 연결을 확인하세요. 감사합니다!',
  '서버가 응답하지 않습니다. 다시 시도해 주세요.',
  'مرحبا، هل يمكنك مساعدتي في تصدير المحادثة؟ شكرا جزيلا.',
  'Привет! Сервер базы данных перезапущен, очередь заданий снова работает.',
  'Ошибка соединения: слишком много клиентов.',
  'Καλημέρα, η αρχειοθέτηση ολοκληρώθηκε με επιτυχία.',
  'שלום, הייצוא הסתיים בהצלחה.',
  'नमस्ते, कृपया डेटाबेस कनेक्शन की जाँच करें।',
  'Xin chào, cuộc trò chuyện đã được lưu trữ thành công.',
];

const emoji = [
  '😀',
  '👍',
  '👍🏽',
  '🎉',
  '🚀',
  '❤️',
  '🔥',
  '👨‍👩‍👧‍👦',
  '👩🏻‍💻',
  '🏳️‍🌈',
  '🇫🇷',
  '🇯🇵',
  '1️⃣',
  '✅',
  '⚠️',
  '🤔',
  '🙏',
];

const decorations = [
  'café',
  'naïve',
  'e\u0301te\u0301', // combining acute accents
  'Ångström',
  'straße',
  '10\u00a0%',
  '12\u202f000\u00a0€',
  '\u3000全角\u3000',
  '<|endoftext|>',
  '<|im_start|>user',
  '<|endofprompt|>',
  '<|fim_prefix|>',
  '$HOME/.config',
  'C:\\Users\\admin\\AppData',
  '~/projects/chat-archiver',
  '#1234',
  '@maintainer',
  'v22.18.0',
  '3.14159',
  '2026-11-25T14:08:35.123Z',
];

// Real text has a long tail of rare words, names and inflections that are not single tokens and must be
// merged; a small closed vocabulary would flatter any tokenizer.
const englishSyllables = `ab ac ad al an ar as at be bi bo ca ce co con cu da de di do dis en er ex fa fe fi fo ga ge
go gra ha he hi ho in ir is ka ke la le li lo lu ma me mi mo mu na ne ni no nu ob of or pa pe per pi po pra pre pro qua
ra re ri ro ru sa se si so st su ta te ti to tra tu un ur va ve vi vo wa we wi xe yo za ze zo`.split(/\s+/);
const englishSuffixes = ['', '', '', 's', 'ed', 'ing', 'er', 'ers', 'ly', 'ness', 'ation', 'able', 'ment', 'ous', 'ize', 'ism'];
const frenchSyllables = `ba bé ca ce ché ço da dé di do é è fa fé fi fo ga gé gi la lé li lo ma mé mi mo na né ni no pa
pé pi po qu ra ré ri ro sa sé si so ta té ti to va vé vi vo ê â ô î œu eau ou oi on an in un`.split(/\s+/);
const frenchSuffixes = ['', '', 's', 'e', 'é', 'ée', 'ées', 'ement', 'ation', 'ité', 'eux', 'euse', 'ière', 'ais', 'aient'];

function rareWord(random: Random, syllables: readonly string[], suffixes: readonly string[]): string {
  let word = '';
  const count = between(random, 1, 4);
  for (let i = 0; i < count; i++) word += pick(random, syllables);
  return word + pick(random, suffixes);
}

function inflected(random: Random, word: string): string {
  return word + pick(random, englishSuffixes);
}

const hanCharacters =
  '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质'.split('');
const kana = 'あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんがぎぐげござじずぜぞだでどばびぶべぼアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモラリルレロワンデータベースサーバー'.split('');

function hanSentence(random: Random): string {
  let out = '';
  const clauses = between(random, 1, 4);
  for (let c = 0; c < clauses; c++) {
    const length = between(random, 4, 24);
    for (let i = 0; i < length; i++) out += pickZipf(random, hanCharacters);
    out += c + 1 < clauses ? '，' : pick(random, ['。', '。', '？', '！']);
  }
  return out;
}

function japaneseSentence(random: Random): string {
  let out = '';
  const length = between(random, 8, 40);
  for (let i = 0; i < length; i++) out += random() < 0.35 ? pickZipf(random, hanCharacters) : pick(random, kana);
  return out + '。';
}

function koreanSentence(random: Random): string {
  const words: string[] = [];
  const count = between(random, 3, 10);
  for (let w = 0; w < count; w++) {
    let word = '';
    const length = between(random, 1, 4);
    // Hangul syllables are composed from lead, vowel and tail jamo: 0xac00 + (lead × 21 + vowel) × 28 + tail.
    for (let i = 0; i < length; i++) {
      const tail = random() < 0.6 ? 0 : between(random, 1, 27);
      word += String.fromCharCode(0xac00 + (between(random, 0, 18) * 21 + between(random, 0, 20)) * 28 + tail);
    }
    words.push(word);
  }
  return words.join(' ') + pick(random, ['.', '요.', '니다.', '?']);
}

function englishSentence(random: Random): string {
  const length = between(random, 4, 22);
  const words: string[] = [];
  for (let i = 0; i < length; i++) {
    const roll = random();
    if (roll < 0.06) words.push(pick(random, englishPhrases));
    else if (roll < 0.08) words.push(String(between(random, 0, 99999)));
    else if (roll < 0.1) words.push(pick(random, decorations));
    else if (roll < 0.11) words.push(pick(random, emoji));
    else if (roll < 0.22) words.push(rareWord(random, englishSyllables, englishSuffixes));
    else if (roll < 0.3) words.push(inflected(random, pickZipf(random, englishWords)));
    else words.push(pickZipf(random, englishWords));
  }
  const first = words[0] ?? 'The';
  words[0] = first.charAt(0).toUpperCase() + first.slice(1);
  if (random() < 0.15) words.splice(between(random, 1, words.length - 1), 0, `\`${pickZipf(random, englishWords)}()\``);
  if (random() < 0.2) words[words.length - 1] += ',';
  return words.join(' ') + pick(random, ['.', '.', '.', '?', '!', '...', ':']);
}

function frenchSentence(random: Random): string {
  const length = between(random, 4, 20);
  const words: string[] = [];
  for (let i = 0; i < length; i++) {
    const roll = random();
    if (roll < 0.08) words.push(pick(random, frenchElisions));
    else if (roll < 0.1) words.push(String(between(random, 0, 999)));
    else if (roll < 0.11) words.push(pick(random, emoji));
    else if (roll < 0.25) words.push(rareWord(random, frenchSyllables, frenchSuffixes));
    else words.push(pickZipf(random, frenchWords));
  }
  const first = words[0] ?? 'Le';
  words[0] = first.charAt(0).toUpperCase() + first.slice(1);
  // French typography: a (narrow) no-break space before high punctuation.
  return words.join(' ') + pick(random, ['.', '.', '\u00a0?', '\u202f!', '\u00a0:', ' ;']);
}

function paragraph(random: Random): string {
  const language = random();
  const count = between(random, 1, 6);
  const sentences: string[] = [];
  for (let i = 0; i < count; i++) {
    if (random() < 0.05) sentences.push(pick(random, otherScriptSentences));
    else if (language < 0.07) sentences.push(hanSentence(random));
    else if (language < 0.12) sentences.push(japaneseSentence(random));
    else if (language < 0.14) sentences.push(koreanSentence(random));
    else if (language < 0.4) sentences.push(frenchSentence(random));
    else sentences.push(englishSentence(random));
  }
  return sentences.join(random() < 0.1 ? '  ' : ' ');
}

function identifier(random: Random): string {
  const a = random() < 0.2 ? rareWord(random, englishSyllables, ['']) : pickZipf(random, englishWords);
  const b = random() < 0.3 ? rareWord(random, englishSyllables, englishSuffixes) : pickZipf(random, englishWords);
  switch (between(random, 0, 4)) {
    case 4:
      return a + b.charAt(0).toUpperCase() + b.slice(1) + String(between(random, 0, 99));
    case 0:
      return a + b.charAt(0).toUpperCase() + b.slice(1);
    case 1:
      return `${a}_${b}`;
    case 2:
      return (a + '_' + b).toUpperCase();
    default:
      return a;
  }
}

function codeBlock(random: Random): string {
  const language = pick(random, ['ts', 'js', 'python', 'sql', 'bash', 'json']);
  const lines: string[] = [];
  const count = between(random, 3, 30);
  const indent = random() < 0.2 ? '\t' : '  ';
  for (let i = 0; i < count; i++) {
    const depth = between(random, 0, 3);
    const pad = indent.repeat(depth);
    const name = identifier(random);
    switch (language) {
      case 'python':
        lines.push(
          pick(random, [
            `${pad}def ${name}(self, ${identifier(random)}: int = ${between(random, 0, 512)}) -> str:`,
            `${pad}return f"{${name}!r}: {len(${identifier(random)})}"`,
            `${pad}for ${name} in range(${between(random, 1, 100)}):`,
            `${pad}# ${englishSentence(random)}`,
            `${pad}${name} = {"${identifier(random)}": [${between(random, 0, 9)}, ${random().toFixed(4)}]}`,
          ]),
        );
        break;
      case 'sql':
        lines.push(
          pick(random, [
            `SELECT ${name}, count(*) FROM chat_message WHERE created_at >= now() - interval '${between(random, 1, 30)} days'`,
            `  GROUP BY ${name} ORDER BY 2 DESC LIMIT ${between(random, 1, 100)};`,
            `CREATE INDEX IF NOT EXISTS ${name}_idx ON archive_item (${identifier(random)});`,
            `-- ${englishSentence(random)}`,
          ]),
        );
        break;
      case 'bash':
        lines.push(
          pick(random, [
            `$ npm install --save-exact ${name}@${between(random, 0, 9)}.${between(random, 0, 40)}.${between(random, 0, 9)}`,
            `export ${name.toUpperCase()}=${identifier(random)}`,
            `docker run --rm -p ${between(random, 1024, 65535)}:5432 postgres:${between(random, 13, 18)}`,
            `grep -rn "${name}" src/ | head -n ${between(random, 5, 50)}`,
          ]),
        );
        break;
      case 'json':
        lines.push(`${pad}"${name}": ${JSON.stringify(between(random, 0, 1) ? identifier(random) : random() * 1000)},`);
        break;
      default:
        lines.push(
          pick(random, [
            `${pad}const ${name} = await ${identifier(random)}(${identifier(random)}, { limit: ${between(random, 1, 1000)} });`,
            `${pad}if (${name} === undefined) throw new Error('${englishSentence(random)}');`,
            `${pad}export function ${name}(${identifier(random)}: string): Promise<number[]> {`,
            `${pad}}`,
            `${pad}// ${englishSentence(random)}`,
            `${pad}for (let i = 0; i < ${name}.length; i++) ${identifier(random)} += ${name}[i]!;`,
            `${pad}return ${name}.map((x) => x * ${between(random, 2, 9)}).filter(Boolean);`,
          ]),
        );
    }
  }
  const newline = random() < 0.1 ? '\r\n' : '\n';
  return '```' + language + newline + lines.join(newline) + newline + '```';
}

function hex(random: Random, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += '0123456789abcdef'[Math.floor(random() * 16)];
  return out;
}

function uuid(random: Random): string {
  return `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-a${hex(random, 3)}-${hex(random, 12)}`;
}

function base64Blob(random: Random, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * 64)];
  return out;
}

function toolJson(random: Random): string {
  const results = [];
  const count = between(random, 1, 6);
  for (let i = 0; i < count; i++) {
    results.push({
      id: uuid(random),
      title: englishSentence(random),
      url: `https://${pick(random, ['example.com', 'docs.example.org', 'github.com/acme/repo'])}/${identifier(random)}?page=${between(random, 1, 20)}&q=${encodeURIComponent(pickZipf(random, frenchWords))}`,
      score: Number(random().toFixed(6)),
      price: { amount: between(random, 1, 99999) / 100, currency: pick(random, ['EUR', 'USD', 'JPY']) },
      updatedAt: new Date(Date.UTC(2026, between(random, 0, 11), between(random, 1, 28), between(random, 0, 23))).toISOString(),
      tags: [pickZipf(random, englishWords), pickZipf(random, frenchWords)],
      ...(random() < 0.1 ? { thumbnail: `data:image/png;base64,${base64Blob(random, between(random, 40, 400))}` } : {}),
    });
  }
  const payload = {
    toolCallId: `call_${base64Blob(random, 24)}`,
    toolName: pick(random, ['webSearch', 'mcp_github_search_issues', 'http_fetch', 'sql_query']),
    state: pick(random, ['output-available', 'output-available', 'output-error']),
    output: { results, took_ms: between(random, 3, 4000) },
  };
  return random() < 0.5 ? JSON.stringify(payload) : JSON.stringify(payload, null, 2);
}

function markdownExtras(random: Random): string {
  switch (between(random, 0, 5)) {
    case 0:
      return `## ${englishSentence(random)}`;
    case 1:
      return Array.from({ length: between(random, 2, 6) }, () => `- ${englishSentence(random)}`).join('\n');
    case 2:
      return `| ${identifier(random)} | ${identifier(random)} |\n|---|---|\n| ${between(random, 0, 99)} | ${pick(random, emoji)} |`;
    case 3:
      return pick(random, ['='.repeat(between(random, 3, 120)), '-'.repeat(between(random, 3, 80)), '*'.repeat(between(random, 3, 40))]);
    case 4:
      return `> ${frenchSentence(random)}`;
    default:
      return `See https://github.com/acme/${identifier(random)}/issues/${between(random, 1, 9999)} and commit ${hex(random, 40)}.`;
  }
}

function randomMessage(random: Random): string {
  const role = random();
  if (role < 0.15) return toolJson(random);
  const blocks: string[] = [];
  const count = role < 0.55 ? between(random, 1, 2) : between(random, 2, 6);
  for (let i = 0; i < count; i++) {
    const roll = random();
    if (roll < 0.6) blocks.push(paragraph(random));
    else if (roll < 0.8) blocks.push(codeBlock(random));
    else blocks.push(markdownExtras(random));
  }
  return blocks.join(random() < 0.05 ? '\r\n\r\n' : '\n\n') + (random() < 0.1 ? '\n' : '');
}
