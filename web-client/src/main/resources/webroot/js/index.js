// The landing page: only its texts, in the visitor's language.
import { initI18n } from './i18n.js';
import { startPage } from './page-load.js';

startPage(async () => { await initI18n(); });
