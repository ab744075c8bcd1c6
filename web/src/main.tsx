import { render } from 'preact';

import { App } from './app';
import { lang } from './i18n';
import { refreshUser } from './session';
import { applyTheme } from './theme';
import './style.css';

applyTheme();
document.documentElement.lang = lang.get() === 'zh' ? 'zh-CN' : 'en';
void refreshUser();
const root = document.getElementById('app');
if (root) render(<App />, root);
