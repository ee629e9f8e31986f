// The landing page: only its texts, in the visitor's language.
import { initI18n } from './i18n.js';

initI18n();
