package importer

// ChunkSize exposes chunkSize to the external tests.
const ChunkSize = chunkSize
