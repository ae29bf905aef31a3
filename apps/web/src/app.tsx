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
import { useRoute } from './route.ts';
import { ViewerContext, viewerOf } from './viewer.ts';
import { CharacterKeys, useShortcuts } from './hooks/useShortcuts.ts';
import { clearKey, loadCharacterKeys, loadKey, saveCharacterKeys, saveKey } from './session.ts';

type SignedInProps = { apiKey: string; onSignOut: () => void; onCharacterKeys: (on: boolean) => void };

function SignedIn({ apiKey, onSignOut, onCharacterKeys }: SignedInProps) {
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
      {help && <HelpDialog onClose={() => setHelp(false)} onCharacterKeys={onCharacterKeys} />}
    </>
  );
}

export function App() {
  const [key, setKey] = useState(loadKey);
  const [characterKeys, setCharacterKeys] = useState(loadCharacterKeys);
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
    <CharacterKeys.Provider value={characterKeys}>
      <SignedIn
        key={key}
        apiKey={key}
        onSignOut={() => {
          clearKey();
          setKey(undefined);
        }}
        onCharacterKeys={(on) => {
          saveCharacterKeys(on);
          setCharacterKeys(on);
        }}
      />
    </CharacterKeys.Provider>
  );
}
