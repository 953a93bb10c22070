import './dist/mock-handlers.js'
