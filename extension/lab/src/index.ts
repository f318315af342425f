/**
 * JupyterLab front end of timeline_lab: the `.tlproj` file type, a launcher card, and commands
 * that ask the server extension to create projects, companion notebooks and renders.
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { PageConfig, PathExt, URLExt } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IDefaultFileBrowser, IFileBrowserFactory } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { NotebookPanel } from '@jupyterlab/notebook';
import { LabIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { ensureCompanion, newProject, renderStatus, startRender } from './api';
import iconSvg from '../style/icon.svg';

/** Command ids: the browser tests drive these, keep them stable. */
export namespace CommandIDs {
  export const newProject = 'timeline-lab:new-project';
  export const renderProject = 'timeline-lab:render-project';
  export const openHealth = 'timeline-lab:open-health';
  export const openInTimelineLab = 'timeline-lab:open-in-timeline-lab';
}

const CATEGORY = 'Timeline Lab';
const FILE_TYPE = 'tlproj';
const POLL_MS = 500;

export const tlprojIcon = new LabIcon({ name: 'timeline-lab:tlproj', svgstr: iconSvg });

/** The `.tlproj` a widget stands for: the file itself, or the project a companion notebook names. */
function projectOf(docManager: IDocumentManager, widget: Widget | null): string | null {
  if (!widget) {
    return null;
  }
  const context = docManager.contextForWidget(widget);
  if (!context) {
    return null;
  }
  const path = context.localPath;
  if (path.endsWith('.tlproj')) {
    return path;
  }
  if (widget instanceof NotebookPanel) {
    const meta = widget.content.model?.getMetadata('timeline_lab') as
      | { project?: unknown }
      | undefined;
    if (meta && typeof meta.project === 'string' && meta.project) {
      return PathExt.join(PathExt.dirname(path), meta.project);
    }
  }
  return null;
}

/** Poll a render job, keeping one notification up to date until it ends. */
async function followRender(project: string): Promise<void> {
  const name = PathExt.basename(project);
  const id = Notification.emit(`Rendering ${name}…`, 'in-progress', { autoClose: false });
  try {
    const { job, output } = await startRender(project);
    for (;;) {
      const status = await renderStatus(job);
      if (status.state === 'done') {
        Notification.update({
          id,
          message: `Rendered ${name} to ${status.output || output}`,
          type: 'success',
          autoClose: 10000
        });
        return;
      }
      if (status.state === 'failed') {
        throw new Error(status.error ?? 'render failed');
      }
      const percent = Math.round(status.fraction * 100);
      Notification.update({
        id,
        message: `Rendering ${name} to ${output}: ${percent}%`,
        type: 'in-progress',
        progress: status.fraction,
        autoClose: false
      });
      await new Promise(resolve => setTimeout(resolve, POLL_MS));
    }
  } catch (error) {
    Notification.update({
      id,
      message: `Could not render ${name}: ${(error as Error).message}`,
      type: 'error',
      autoClose: false
    });
  }
}

/** Show a failed server call without leaving the user guessing. */
function reportError(what: string, error: unknown): void {
  Notification.error(`${what}: ${(error as Error).message}`, { autoClose: false });
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'timeline-lab:plugin',
  description: 'Timeline Lab projects (.tlproj), launcher card and render commands.',
  autoStart: true,
  requires: [IDocumentManager, IFileBrowserFactory],
  optional: [ILauncher, ICommandPalette, IDefaultFileBrowser],
  activate: (
    app: JupyterFrontEnd,
    docManager: IDocumentManager,
    browsers: IFileBrowserFactory,
    launcher: ILauncher | null,
    palette: ICommandPalette | null,
    defaultBrowser: IDefaultFileBrowser | null
  ) => {
    const { commands } = app;

    app.docRegistry.addFileType({
      name: FILE_TYPE,
      displayName: 'Timeline Project',
      extensions: ['.tlproj'],
      mimeTypes: ['application/json'],
      contentType: 'file',
      fileFormat: 'text',
      icon: tlprojIcon
    });

    const currentBrowser = () => browsers.tracker.currentWidget ?? defaultBrowser;

    commands.addCommand(CommandIDs.newProject, {
      label: args => (args['isLauncher'] ? 'Timeline Project' : 'New Timeline Project'),
      caption: 'Create a .tlproj and its companion notebook in the current folder',
      icon: args => (args['isPalette'] ? undefined : tlprojIcon),
      execute: async args => {
        // The launcher passes the folder it was opened in; elsewhere, the file browser's folder.
        const cwd = args['cwd'];
        const browserPath = (defaultBrowser ?? currentBrowser())?.model.path ?? '';
        const directory = typeof cwd === 'string' ? cwd : browserPath;
        try {
          const { notebook } = await newProject(directory);
          return commands.execute('docmanager:open', { path: notebook });
        } catch (error) {
          reportError('Could not create a timeline project', error);
        }
      }
    });

    commands.addCommand(CommandIDs.renderProject, {
      label: 'Render Current Timeline Project',
      caption: 'Render the current .tlproj (or companion notebook) to an MP4 next to it',
      isEnabled: () => projectOf(docManager, app.shell.currentWidget) !== null,
      execute: async () => {
        const project = projectOf(docManager, app.shell.currentWidget);
        if (project === null) {
          Notification.warning('Open a .tlproj file or its companion notebook first.');
          return;
        }
        await followRender(project);
      }
    });

    commands.addCommand(CommandIDs.openHealth, {
      label: 'Open Timeline Lab Media Server Health',
      caption: 'Open the media server health endpoint in a new browser tab',
      execute: () => {
        window.open(URLExt.join(PageConfig.getBaseUrl(), 'timeline-lab/health'), '_blank');
      }
    });

    const selectedProject = (): string | null => {
      const browser = currentBrowser();
      if (!browser) {
        return null;
      }
      const item = Array.from(browser.selectedItems()).find(i => i.path.endsWith('.tlproj'));
      return item ? item.path : null;
    };

    commands.addCommand(CommandIDs.openInTimelineLab, {
      label: 'Open in Timeline Lab',
      caption: 'Open the companion notebook of this project (created if missing)',
      icon: tlprojIcon,
      isEnabled: args => typeof args['path'] === 'string' || selectedProject() !== null,
      execute: async args => {
        const path = typeof args['path'] === 'string' ? args['path'] : selectedProject();
        if (!path) {
          return;
        }
        try {
          const notebook = await ensureCompanion(path);
          return commands.execute('docmanager:open', { path: notebook });
        } catch (error) {
          reportError(`Could not open ${PathExt.basename(path)}`, error);
        }
      }
    });

    app.contextMenu.addItem({
      command: CommandIDs.openInTimelineLab,
      selector: `.jp-DirListing-item[data-file-type="${FILE_TYPE}"]`,
      rank: 0
    });

    if (launcher) {
      launcher.add({
        command: CommandIDs.newProject,
        category: CATEGORY,
        rank: 0,
        args: { isLauncher: true }
      });
    }
    if (palette) {
      for (const command of Object.values(CommandIDs)) {
        palette.addItem({ command, category: CATEGORY });
      }
    }
  }
};

export default plugin;
