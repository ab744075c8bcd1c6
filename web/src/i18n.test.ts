import { describe, expect, it } from 'vitest';

import { pickLang, translate } from './i18n';

describe('i18n', () => {
  it('picks Chinese for any zh browser language and English otherwise', () => {
    expect(pickLang(['zh-CN', 'en'])).toBe('zh');
    expect(pickLang(['zh-TW'])).toBe('zh');
    expect(pickLang(['fr-FR', 'en-US', 'zh'])).toBe('en');
    expect(pickLang(['de'])).toBe('en');
    expect(pickLang([])).toBe('en');
  });

  it('fills placeholders in either language', () => {
    expect(translate('en', 'signedInAs', { name: 'ada' })).toBe('Signed in as ada');
    expect(translate('zh', 'signedInAs', { name: 'ada' })).toBe('已登录：ada');
  });
});
