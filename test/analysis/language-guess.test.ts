import { describe, it, expect } from 'vitest';
import { LanguageTally, type LanguageGuess } from '../../src/analysis/language-guess.ts';

function guess(...texts: string[]): LanguageGuess {
  const tally = new LanguageTally();
  for (const text of texts) tally.add(text);
  return tally.guess();
}

describe('LanguageTally', () => {
  it('tells English from French by their own function words', () => {
    expect(guess('The export job fails every night.', 'Could you check who holds the connections?')).toMatchObject({
      language: 'en',
      script: 'Latn',
    });
    expect(
      guess("Je prépare un voyage à Annecy avec ma compagne.", "L'hôtel est au cœur de la vieille ville, c'est parfait."),
    ).toMatchObject({ language: 'fr', script: 'Latn' });
  });

  it('does not take Spanish or German for French', () => {
    expect(
      guess(
        'Quiero reservar un hotel para tres noches cerca del lago, pero no es muy caro.',
        '¿Cuál es el mejor barrio? Busco algo tranquilo porque hay niños.',
      ).language,
    ).toBe('es');
    expect(guess('Ich möchte ein Hotel für drei Nächte am See, und es ist nicht zu teuer für uns.').language).toBe('de');
  });

  it('says und when Latin text carries too few function words', () => {
    expect(guess('Postgres pool max_connections')).toEqual({ language: 'und', script: 'Latn', confidence: 0 });
  });

  it('reads the script of non-Latin text', () => {
    expect(guess('来月の京都旅行の予算を相談したいです。')).toMatchObject({ language: 'ja', script: 'Jpan' });
    expect(guess('我想去北京旅行三天。')).toMatchObject({ language: 'zh', script: 'Hani' });
    expect(guess('다음 달 서울 여행 예산을 상의하고 싶어요.')).toMatchObject({ language: 'ko', script: 'Hang' });
    expect(guess('Сервер не отвечает уже час.')).toMatchObject({ language: 'ru', script: 'Cyrl', confidence: 1 });
  });

  it('weighs the dominant script against the others', () => {
    const mixed = guess('Сервер не отвечает', 'ok');
    expect(mixed.language).toBe('ru');
    expect(mixed.confidence).toBeCloseTo(16 / 18, 3);
  });

  it('says und with no letters at all', () => {
    expect(guess('', '1234 5678 !!!')).toEqual({ language: 'und', script: 'Zyyy', confidence: 0 });
  });
});
