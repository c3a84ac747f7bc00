/** The project templates as text, bundled by Vite (`?raw`) for the worker; the CLI reads the same files from disk. */
import readme from './templates/README.md?raw';
import trainPy from './templates/train.py?raw';
import type { PytorchTemplates } from './project';

export const PYTORCH_TEMPLATES: PytorchTemplates = { trainPy, readme };
