/** The page: the key gate, then the inbox or a task by the URL's hash. */
import { useMemo, useState } from 'preact/hooks';
import { parseKey } from '@greenlight/core';
import { makeClient } from './client.ts';
import { ErrorBox } from './components/ErrorBox.tsx';
import { Header } from './components/Header.tsx';
import { HelpDialog } from './components/HelpDialog.tsx';
import { Inbox } from './components/Inbox.tsx';
import { KeyEntry } from './components/KeyEntry.tsx';
import { TaskPage } from './components/TaskPage.tsx';
import { useReload } from './hooks/useReload.ts';
import { useShortcuts } from './hooks/useShortcuts.ts';
import { useRoute } from './route.ts';
import { ViewerContext, viewerOf } from './viewer.ts';
import { clearKey, loadKey, saveKey } from './session.ts';

function SignedIn({ apiKey, onSignOut }: { apiKey: string; onSignOut: () => void }) {
  const client = useMemo(() => makeClient(apiKey), [apiKey]);
  const route = useRoute();
  const [help, setHelp] = useState(false);
  const workspace = useReload(() => client.workspaces.get.query());
  useShortcuts({ '?': () => setHelp((h) => !h), Escape: () => setHelp(false) });
  return (
    <>
      <Header workspaceId={parseKey(apiKey)?.workspaceId ?? ''} workspace={workspace.data} onHelp={() => setHelp(true)} onSignOut={onSignOut} />
      <ViewerContext.Provider value={viewerOf(workspace.data)}>
        <main>
          {workspace.error?.code === 'UNAUTHORIZED' && <ErrorBox error={workspace.error} />}
          {route.page === 'task' ? <TaskPage key={route.taskId} client={client} taskId={route.taskId} /> : <Inbox client={client} />}
        </main>
      </ViewerContext.Provider>
      {help && <HelpDialog onClose={() => setHelp(false)} />}
    </>
  );
}

export function App() {
  const [key, setKey] = useState(loadKey);
  if (!key) {
    return (
      <KeyEntry
        onKey={(k) => {
          saveKey(k);
          setKey(k);
        }}
      />
    );
  }
  return (
    <SignedIn
      key={key}
      apiKey={key}
      onSignOut={() => {
        clearKey();
        setKey(undefined);
      }}
    />
  );
}
