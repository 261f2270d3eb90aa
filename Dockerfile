# One image for every service of the stack; docker-compose.yml picks the entry file per service.
# Dependencies are installed in a stage with a compiler, in case better-sqlite3 has to build from source.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# tsx is a runtime dependency (services run from TypeScript source), so dev dependencies can stay out.
RUN npm ci --omit=dev && npm cache clean --force

# The web app (docs/web-app.md) is built with dev dependencies (vite, echarts) that the image leaves out;
# only its bundle, web/dist, goes into the image. No install scripts: the build needs no native module.
FROM node:20-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY . .
RUN npx tsx scripts/buildWeb.ts

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    DATA_DIR=/data
COPY --from=deps /app/node_modules ./node_modules
COPY . .
COPY --from=web /app/web/dist ./web/dist
# /data holds the exchanges' SQLite files; a named volume mounted there takes over this ownership.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 4000 4010 4011 4012 4013 4014
CMD ["node", "--import", "tsx", "gateway/src/main.ts"]
