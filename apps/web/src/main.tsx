/** Entry: mount the page. Loaded as an external module script, so a strict CSP can forbid inline scripts. */
import { render } from 'preact';
import { App } from './app.tsx';
import './styles.css';

const root = document.getElementById('app');
if (root) render(<App />, root);
