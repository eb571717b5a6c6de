#!/usr/bin/env node
'use strict';
require('../dist/relay/cli.js').main();
