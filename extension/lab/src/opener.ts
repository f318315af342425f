/**
 * The default viewer of `.tlproj` files: double-clicking one opens the timeline editor (its companion
 * notebook, run when its code is ours) instead of raw JSON. "Open With → Editor" still shows the text.
 */
import { ABCWidgetFactory, DocumentRegistry, DocumentWidget } from '@jupyterlab/docregistry';
import { LabIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

/** The factory's name, as "Open With" lists it. */
export const FACTORY = 'Timeline Editor';

/** Opens `path`'s companion notebook; resolves once it is shown. */
export type OpenProject = (path: string) => Promise<unknown>;

/** A placeholder tab that hands the project to the editor and closes itself. */
export class TimelineOpenerFactory extends ABCWidgetFactory<DocumentWidget<Widget>> {
  constructor(
    options: DocumentRegistry.IWidgetFactoryOptions<DocumentWidget<Widget>>,
    private readonly open: OpenProject,
    private readonly icon: LabIcon
  ) {
    super(options);
  }

  protected createNewWidget(context: DocumentRegistry.Context): DocumentWidget<Widget> {
    const content = new Widget();
    content.addClass('jp-TimelineLab-opening');
    content.node.textContent = `Opening ${context.path} in the timeline editor…`;
    const widget = new DocumentWidget({ content, context });
    widget.title.icon = this.icon;
    void context.ready
      .then(() => this.open(context.path))
      .then(
        () => widget.close(),
        error => {
          content.node.textContent = `Could not open ${context.path}: ${(error as Error).message}`;
        }
      );
    return widget;
  }
}
