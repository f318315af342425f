/**
 * JupyterLab front end of timeline_lab: the `.tlproj` file type (opened in the timeline editor by
 * default), a launcher card, a health panel, and commands that ask the server extension to create
 * projects, companion notebooks and renders.
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, InputDialog, MainAreaWidget, Notification } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IDefaultFileBrowser, IFileBrowserFactory } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { LabIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { ICompanion, ensureCompanion, newProject, renderStatus, startRender, suggestName } from './api';
import { HealthPanel } from './health';
import { FACTORY, TimelineOpenerFactory } from './opener';
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

/**
 * Open a companion notebook; when it was not open yet and its code is exactly ours, run it once the
 * kernel is up, so the timeline shows without a "Run All" (a notebook someone edited is only opened).
 */
async function openCompanion(
  app: JupyterFrontEnd,
  docManager: IDocumentManager,
  companion: ICompanion
): Promise<Widget | undefined> {
  const alreadyOpen = docManager.findWidget(companion.notebook) !== undefined;
  const widget = (await app.commands.execute('docmanager:open', { path: companion.notebook })) as
    | Widget
    | undefined;
  if (!alreadyOpen && companion.pristine && widget instanceof NotebookPanel) {
    void (async () => {
      await widget.context.ready;
      await widget.sessionContext.ready;
      if (widget.sessionContext.session?.kernel) {
        await NotebookActions.runAll(widget.content, widget.sessionContext);
      }
    })();
  }
  return widget;
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

    const openProject = async (path: string): Promise<Widget | undefined> =>
      openCompanion(app, docManager, await ensureCompanion(path));

    // Double-click on a .tlproj opens the editor; "Open With → Editor" still shows its JSON.
    app.docRegistry.addWidgetFactory(
      new TimelineOpenerFactory(
        { name: FACTORY, label: 'Timeline Editor', fileTypes: [FILE_TYPE], defaultFor: [FILE_TYPE] },
        openProject,
        tlprojIcon
      )
    );

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
          let name = typeof args['name'] === 'string' ? args['name'] : null;
          if (name === null) {
            const answer = await InputDialog.getText({
              title: 'New Timeline Project',
              label: `Name of the project (in ${directory || 'the root folder'})`,
              text: await suggestName(directory),
              selectionRange: -1,
              okLabel: 'Create'
            });
            if (!answer.button.accept) {
              return;
            }
            name = (answer.value ?? '').trim();
          }
          const created = await newProject(directory, name || undefined);
          return await openCompanion(app, docManager, created);
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

    let healthPanel: MainAreaWidget<HealthPanel> | null = null;
    commands.addCommand(CommandIDs.openHealth, {
      label: 'Open Timeline Lab Media Server Health',
      caption: 'Show what the media server and its services report',
      execute: async () => {
        if (!healthPanel || healthPanel.isDisposed) {
          healthPanel = new MainAreaWidget({ content: new HealthPanel() });
          healthPanel.id = 'timeline-lab-health-panel';
          healthPanel.title.label = 'Timeline Lab Health';
          healthPanel.title.icon = tlprojIcon;
          healthPanel.title.closable = true;
        }
        if (!healthPanel.isAttached) {
          app.shell.add(healthPanel, 'main');
        }
        app.shell.activateById(healthPanel.id);
        await healthPanel.content.refresh();
        return healthPanel;
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
          return await openProject(path);
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
