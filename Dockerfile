# liveshift's worker image (docker-compose.yml): the orchestrator, a host process or the pool's
# one-shot set-up, chosen by the command (a script under workers/ and its arguments). TypeScript
# runs through tsx's require hook, as everywhere else: there is no build step.
FROM node:20-bookworm-slim

WORKDIR /app
# better-sqlite3 installs a prebuilt binary for this Node and glibc; the dev tools are not needed.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY . .

# The pool state's volume is mounted here; created owned by `node` so the volume starts writable.
RUN mkdir /state && chown node:node /state
USER node
ENV LIVESHIFT_STATE=/state/pool.db

ENTRYPOINT ["node", "--require", "tsx/cjs"]
CMD ["workers/orchestrator-process.ts"]
